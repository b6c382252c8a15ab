import Formats
import NN
import Tensor

/// What SAM needs of an image encoder, as segment-anything's `Sam` takes its encoder as an
/// argument: a ViT (`ImageEncoderViT`, the official SAM/MedSAM models) or, for LiteMedSAM, a
/// TinyViT. A family conforms to this, adds its case to `SAMConfig.Encoder`, and keeps its
/// state-dict keys the official ones under `image_encoder.`; prompt encoder, mask decoder,
/// predictor, checkpoints, embedding cache and LoRA then work for it unchanged.
public protocol SAMImageEncoder: Module {
    /// The encoder's own sizes, stored inside `SAMConfig`.
    associatedtype Config: Codable, Equatable, Sendable

    /// A randomly initialised encoder (PyTorch's defaults, seeded) for `imageSize`² inputs.
    init(config: Config, imageSize: Int, generator: inout SeededGenerator)

    /// (B, 3, S, S) normalised images → (B, 256, E, E) embeddings.
    func callAsFunction(_ images: Tensor) -> Tensor

    /// Side E of the embedding grid for `imageSize`² inputs.
    static func embeddingSize(config: Config, imageSize: Int) -> Int

    /// Whether the encoder can be built for `imageSize`² inputs (e.g. a whole number of patches).
    static func accepts(imageSize: Int, config: Config) -> Bool

    /// Module-path patterns, relative to the encoder, of the linear layers LoRA adapts
    /// (the attention blocks' `qkv`).
    static var loraTargets: [String] { get }

    /// The config and input side a checkpoint was made with, read off its `image_encoder.*`
    /// shapes; nil when those keys are not this family's.
    static func inferConfig(from checkpoint: StateDict) throws -> (config: Config, imageSize: Int)?

    /// `tensors` (a whole SAM state dict) trained at `source`² inputs, adapted for `target`²:
    /// whatever depends on the grid size (position tables) is resampled.
    static func resampled(_ tensors: StateDict, config: Config, from source: Int, to target: Int) throws -> StateDict
}

extension SAMImageEncoder {
    /// The neck both official encoder families end with, `nn.Sequential(conv1x1, LayerNorm2d,
    /// conv3x3, LayerNorm2d)` from `channels` to the 256-channel embedding (keys `neck.0` … `neck.3`).
    static func neck(from channels: Int, generator: inout SeededGenerator) -> Sequential {
        let out = SAMConfig.promptEmbedDim
        return Sequential([
            Conv2d(inChannels: channels, outChannels: out, kernelSize: 1, bias: false, generator: &generator),
            LayerNorm2d(out),
            Conv2d(inChannels: out, outChannels: out, kernelSize: 3, padding: 1, bias: false, generator: &generator),
            LayerNorm2d(out),
        ])
    }
}
