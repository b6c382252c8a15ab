import Tensor

/// `nn.Linear`: `y = x Wᵀ + b` with `weight` (out, in) and optional `bias` (out).
public final class Linear: Layer {
    public let weight: Parameter
    public let bias: Parameter?

    public init(inFeatures: Int, outFeatures: Int, bias: Bool = true, generator: inout SeededGenerator) {
        weight = Parameter(Initialization.defaultWeight([outFeatures, inFeatures], fanIn: inFeatures, generator: &generator))
        self.bias = bias ? Parameter(Initialization.defaultBias(outFeatures, fanIn: inFeatures, generator: &generator)) : nil
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
