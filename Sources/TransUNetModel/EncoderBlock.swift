import NN
import Tensor

/// One pre-norm transformer layer (`transformer.encoder.layer.i`): attention and MLP, each
/// behind a LayerNorm (eps 1e-6) and inside a residual connection.
public final class EncoderBlock: Module {
    /// LayerNorm before attention (eps 1e-6).
    public let attention_norm: LayerNorm
    /// LayerNorm before the MLP (eps 1e-6).
    public let ffn_norm: LayerNorm
    /// The feed-forward block.
    public let ffn: Mlp
    /// Multi-head self-attention.
    public let attn: Attention

    /// A layer for `config`'s width, heads and MLP size.
    public init(_ config: TransUNetConfig, generator: inout SeededGenerator) {
        attention_norm = LayerNorm(config.hiddenSize, eps: 1e-6)
        ffn_norm = LayerNorm(config.hiddenSize, eps: 1e-6)
        ffn = Mlp(hidden: config.hiddenSize, mlpDim: config.mlpDim, generator: &generator)
        attn = Attention(hidden: config.hiddenSize, heads: config.numHeads, generator: &generator)
    }

    /// Applies the layer to tokens (B, N, hidden).
    public func callAsFunction(_ x: Tensor) -> Tensor {
        let h = x + attn(attention_norm(x))
        return h + ffn(ffn_norm(h))
    }
}
