import NN
import Tensor

/// Multi-head self-attention with separate query/key/value projections, `softmax(q·kᵀ/√d)`.
public final class Attention: Module {
    /// Query projection.
    public let query: Linear
    /// Key projection.
    public let key: Linear
    /// Value projection.
    public let value: Linear
    /// Output projection.
    public let out: Linear
    /// Dropout on the attention probabilities (rate 0 in every configuration).
    public let attn_dropout: Dropout
    /// Dropout after the output projection.
    public let proj_dropout: Dropout
    /// Number of heads.
    public let heads: Int

    /// Attention over `hidden`-wide tokens split into `heads` heads.
    public init(hidden: Int, heads: Int, generator: inout SeededGenerator) {
        query = Linear(inFeatures: hidden, outFeatures: hidden, generator: &generator)
        key = Linear(inFeatures: hidden, outFeatures: hidden, generator: &generator)
        value = Linear(inFeatures: hidden, outFeatures: hidden, generator: &generator)
        out = Linear(inFeatures: hidden, outFeatures: hidden, generator: &generator)
        attn_dropout = Dropout(0, seed: generator.next())
        proj_dropout = Dropout(0, seed: generator.next())
        self.heads = heads
    }

    /// Attends over the tokens of `x` (B, N, hidden).
    public func callAsFunction(_ x: Tensor) -> Tensor {
        let (batch, tokens, hidden) = (x.shape[0], x.shape[1], x.shape[2])
        let headDim = hidden / heads
        func split(_ t: Tensor) -> Tensor { t.reshaped([batch, tokens, heads, headDim]).permuted(0, 2, 1, 3) }
        let q = split(query(x)), k = split(key(x)), v = split(value(x))
        let scores = q.matmul(k.transposed(-1, -2)) / Float(headDim).squareRoot()
        let probabilities = attn_dropout(scores.softmax(axis: -1))
        let context = probabilities.matmul(v).permuted(0, 2, 1, 3).reshaped([batch, tokens, hidden])
        return proj_dropout(out(context))
    }
}
