import Tensor

/// `nn.Linear`: `y = x Wᵀ + b` with `weight` (out, in) and optional `bias` (out).
///
/// Not final so that `LoRALinear` can stand in for it where a model declares a `Linear`.
public class Linear: Layer {
    public let weight: Parameter
    public let bias: Parameter?

    /// A layer over existing parameters (shared, not copied).
    public init(weight: Parameter, bias: Parameter?) {
        precondition(weight.shape.count == 2, "Linear: weight must be (out, in), got \(weight.shape)")
        precondition(bias.map { $0.shape == [weight.shape[0]] } ?? true,
                     "Linear: bias \(bias!.shape) does not fit weight \(weight.shape)")
        self.weight = weight
        self.bias = bias
    }

    /// A layer with PyTorch's default initialisation.
    public convenience init(inFeatures: Int, outFeatures: Int, bias: Bool = true, generator: inout SeededGenerator) {
        let weight = Parameter(Initialization.defaultWeight([outFeatures, inFeatures], fanIn: inFeatures, generator: &generator))
        let bias = bias ? Parameter(Initialization.defaultBias(outFeatures, fanIn: inFeatures, generator: &generator)) : nil
        self.init(weight: weight, bias: bias)
    }

    public var inFeatures: Int { weight.shape[1] }
    public var outFeatures: Int { weight.shape[0] }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        x.linear(weight: weight.value, bias: bias?.value)
    }
}

/// `nn.Embedding` as SAM uses it: a learned table whose rows are looked up (or used whole).
public final class Embedding: Module {
    public let weight: Parameter

    public init(count: Int, dimension: Int, generator: inout SeededGenerator) {
        weight = Parameter(Tensor.randn([count, dimension], generator: &generator))
    }

    public func callAsFunction(_ indices: [Int]) -> Tensor {
        weight.value.indexSelect(axis: 0, indices)
    }
}
