import NN
import Tensor

/// TransUNet (the original `VisionTransformer` class): hybrid CNN-transformer encoder,
/// cascaded upsampling decoder and segmentation head. Property names are the state-dict
/// prefixes (`transformer.`, `decoder.`, `segmentation_head.`).
public final class TransUNet: Module {
    /// The encoder (`transformer.*` keys).
    public let transformer: Transformer
    /// The cascaded upsampler (`decoder.*`).
    public let decoder: DecoderCup
    /// Logits head (`segmentation_head.*`).
    public let segmentation_head: SegmentationHead
    /// The configuration the model was built for.
    public let config: TransUNetConfig

    /// A model for `config` with PyTorch-style seeded initialisation, in evaluation mode.
    public init(_ config: TransUNetConfig, seed: UInt64 = 0) throws {
        try config.validate()
        var generator = SeededGenerator(seed: seed)
        transformer = Transformer(config, generator: &generator)
        decoder = DecoderCup(config, generator: &generator)
        segmentation_head = SegmentationHead(inChannels: config.decoderChannels[3], classes: config.nClasses,
                                             generator: &generator)
        self.config = config
    }

    /// Class logits (B, classes, H, W) for images (B, 1 or 3, H, W) in [0, 1]; a single channel
    /// is repeated to three, as the original does. There is no normalisation inside the model.
    public func callAsFunction(_ images: Tensor) -> Tensor {
        logitsAndIntermediates(images).logits
    }

    /// The logits with the encoder's outputs, for inspection and parity checks.
    public func logitsAndIntermediates(_ images: Tensor) -> (logits: Tensor, encoded: Tensor, features: [Tensor]) {
        precondition(images.rank == 4 && (images.shape[1] == 1 || images.shape[1] == 3),
                     "TransUNet needs (B, 1 or 3, H, W) input, got \(images.shape)")
        precondition(images.shape[2] == config.imageSize && images.shape[3] == config.imageSize,
                     "this TransUNet takes \(config.imageSize)² input, got \(images.shape[2])×\(images.shape[3])")
        let x = images.shape[1] == 1 ? images.repeated([1, 3, 1, 1]) : images
        let (encoded, features) = transformer(x)
        let logits = segmentation_head(decoder(encoded, features: features))
        return (logits, encoded, features)
    }

    /// Foreground probability (B, H, W): softmax over classes, class 1.
    public func foregroundProbability(_ images: Tensor) -> Tensor {
        self(images).foregroundProbability()
    }
}
