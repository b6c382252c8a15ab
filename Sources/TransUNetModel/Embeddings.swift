import NN
import Tensor

/// Patch and position embeddings (`transformer.embeddings`): the optional ResNet backbone,
/// a plain convolution cutting its output (or the image) into tokens, and learned positions.
public final class Embeddings: Module {
    /// The ResNet backbone; nil for a pure ViT.
    public let hybrid_model: ResNetV2?
    /// Patch projection: 1×1 on the backbone's 1/16 map, or 16×16 stride 16 on pixels.
    public let patch_embeddings: Conv2d
    /// One learned vector per token, (1, grid², hidden); no class token.
    public let position_embeddings: Parameter
    /// Embedding dropout (inert in evaluation).
    public let dropout: Dropout

    /// Embeddings for `config`.
    public init(_ config: TransUNetConfig, generator: inout SeededGenerator) {
        hybrid_model = config.resnet.map { ResNetV2($0, generator: &generator) }
        let patch = Size2D(config.patchSize, config.patchSize)
        patch_embeddings = Conv2d(inChannels: config.patchInputChannels, outChannels: config.hiddenSize,
                                  kernelSize: patch, stride: patch, generator: &generator)
        // The original initialises the positions to zero.
        position_embeddings = Parameter(.zeros([1, config.gridSize * config.gridSize, config.hiddenSize]))
        dropout = Dropout(0.1, seed: generator.next())
    }

    /// Tokens (B, grid², hidden) and the backbone's skip features (empty for a pure ViT).
    public func callAsFunction(_ x: Tensor) -> (tokens: Tensor, features: [Tensor]) {
        var input = x, features: [Tensor] = []
        if let hybrid_model { (input, features) = hybrid_model(x) }
        let patches = patch_embeddings(input)
        let (batch, channels) = (patches.shape[0], patches.shape[1])
        let tokens = patches.reshaped([batch, channels, -1]).transposed(1, 2)
        return (dropout(tokens + position_embeddings.value), features)
    }
}
