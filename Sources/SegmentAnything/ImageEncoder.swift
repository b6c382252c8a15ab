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

/// A residual branch added to an encoder block: computed from the block's input tokens
/// (B, H, W, C) and added to the block's output (the same shape). I-MedSAM's frequency
/// adapter is one. It sits in the block's `adapter` slot, put there by
/// `replaceModule(at: "<block path>.adapter", with:)`, so the block keeps its type and keys.
public protocol EncoderBlockAdapter: Module {
    /// The branch's output for the block's input tokens (B, H, W, C).
    func callAsFunction(_ blockInput: Tensor) -> Tensor
}

/// An attention block of an image encoder (TinyViT's and ViT's) that takes an
/// `EncoderBlockAdapter`: empty unless an adapter is attached, when its output is added to
/// the block's.
public protocol AdaptableEncoderBlock: Module {
    /// Channels C of the block's (B, H, W, C) tokens.
    var channels: Int { get }
    /// The attached adapter, if any.
    var adapter: (any EncoderBlockAdapter)? { get }
}

/// An attention whose query, key and value projections are one fused `qkv` linear layer, so
/// an adapter of only some of them (LoRA on q and v) must know which output rows are which.
public protocol FusedQKVAttention: Module {
    /// The fused projection (`@Replaceable`, so LoRA can wrap it).
    var qkv: Linear { get }
    /// The output rows of `qkv` that are queries or values, ascending.
    var queryAndValueRows: [Int] { get }
}
