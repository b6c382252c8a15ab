import NN
import Tensor

/// The transformer's feed-forward block: fc1 → exact (erf) GELU → dropout → fc2 → dropout.
public final class Mlp: Module {
    /// Expansion to the MLP width.
    public let fc1: Linear
    /// Projection back to the hidden width.
    public let fc2: Linear
    /// Dropout after each linear layer (inert in evaluation).
    public let dropout: Dropout

    /// An MLP `hidden → mlpDim → hidden`.
    public init(hidden: Int, mlpDim: Int, generator: inout SeededGenerator) {
        fc1 = Linear(inFeatures: hidden, outFeatures: mlpDim, generator: &generator)
        fc2 = Linear(inFeatures: mlpDim, outFeatures: hidden, generator: &generator)
        dropout = Dropout(0.1, seed: generator.next())
    }

    /// Applies the block to the last axis of `x`.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        dropout(fc2(dropout(fc1(x).gelu())))
    }
}
