import NN
import Tensor

/// The transformer stack (`transformer.encoder`) with its final LayerNorm.
public final class Encoder: Module {
    /// The transformer layers in order.
    public let layer: [EncoderBlock]
    /// Final LayerNorm (eps 1e-6).
    public let encoder_norm: LayerNorm

    /// `config.numLayers` layers.
    public init(_ config: TransUNetConfig, generator: inout SeededGenerator) {
        var layers: [EncoderBlock] = []
        for _ in 0..<config.numLayers { layers.append(EncoderBlock(config, generator: &generator)) }
        layer = layers
        encoder_norm = LayerNorm(config.hiddenSize, eps: 1e-6)
    }

    /// Encoded tokens, after `encoder_norm`.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        encoder_norm(layer.reduce(x) { $1($0) })
    }
}
