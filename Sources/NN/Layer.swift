import Tensor

/// A module called on one tensor: what `Sequential` chains.
///
/// Layers taking anything else (`Embedding`'s indices, a decoder block's skip feature) stay
/// plain `Module`s.
public protocol Layer: Module {
    /// Applies the layer.
    func callAsFunction(_ x: Tensor) -> Tensor
}

/// `nn.GELU`: a parameter-free module, so a `Sequential` can hold it at its PyTorch index
/// (where it contributes no keys). Exact (erf) by default, as PyTorch.
public final class GELU: Layer {
    /// Exact erf form, or the tanh approximation.
    public let approximation: GELUApproximation

    /// A GELU of the given form.
    public init(approximation: GELUApproximation = .none) {
        self.approximation = approximation
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { x.gelu(approximate: approximation) }
}

/// `nn.ReLU`: a parameter-free module for `Sequential`s.
public final class ReLU: Layer {
    /// The only ReLU there is.
    public init() {}

    public func callAsFunction(_ x: Tensor) -> Tensor { x.relu() }
}
