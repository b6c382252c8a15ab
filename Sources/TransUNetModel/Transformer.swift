import NN
import Tensor

/// The encoder half of TransUNet (`transformer`): embeddings then the transformer stack.
public final class Transformer: Module {
    /// Backbone, patch and position embeddings.
    public let embeddings: Embeddings
    /// The transformer stack.
    public let encoder: Encoder

    /// The encoder for `config`.
    public init(_ config: TransUNetConfig, generator: inout SeededGenerator) {
        embeddings = Embeddings(config, generator: &generator)
        encoder = Encoder(config, generator: &generator)
    }

    /// Encoded tokens (B, grid², hidden) and the backbone's skip features in decoder order.
    public func callAsFunction(_ x: Tensor) -> (encoded: Tensor, features: [Tensor]) {
        let (tokens, features) = embeddings(x)
        return (encoder(tokens), features)
    }
}
