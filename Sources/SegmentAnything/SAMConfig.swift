/// The shape of a Segment Anything model: the image encoder's size (the only part that
/// differs between the official ViT-B/L/H checkpoints) and the input resolution.
///
/// The prompt encoder and mask decoder are the same for every official model (256-d prompts,
/// a two-layer two-way transformer, 3 multimask outputs), so they are fixed here. The presets
/// below are listed by name in `SAM.presets`.
public struct SAMConfig: Sendable, Equatable, Codable {
    /// Channels of the ViT tokens (768 for ViT-B).
    public var encoderEmbedDim: Int
    /// Number of transformer blocks in the image encoder.
    public var encoderDepth: Int
    /// Attention heads per encoder block.
    public var encoderNumHeads: Int
    /// Blocks that attend globally; all others use windowed attention.
    public var encoderGlobalAttnIndexes: [Int]
    /// Side of the square attention windows, in patches.
    public var windowSize: Int
    /// Side of the square encoder input, in pixels.
    public var imageSize: Int
    /// Side of a patch, in pixels.
    public var patchSize: Int

    /// A config with the standard prompt encoder and mask decoder.
    public init(encoderEmbedDim: Int, encoderDepth: Int, encoderNumHeads: Int, encoderGlobalAttnIndexes: [Int],
                windowSize: Int = 14, imageSize: Int = 1024, patchSize: Int = 16) {
        self.encoderEmbedDim = encoderEmbedDim
        self.encoderDepth = encoderDepth
        self.encoderNumHeads = encoderNumHeads
        self.encoderGlobalAttnIndexes = encoderGlobalAttnIndexes
        self.windowSize = windowSize
        self.imageSize = imageSize
        self.patchSize = patchSize
    }

    /// The official ViT-B model (`sam_vit_b_01ec64.pth`).
    public static let vitB = SAMConfig(encoderEmbedDim: 768, encoderDepth: 12, encoderNumHeads: 12,
                                       encoderGlobalAttnIndexes: [2, 5, 8, 11])
    /// The official ViT-L model.
    public static let vitL = SAMConfig(encoderEmbedDim: 1024, encoderDepth: 24, encoderNumHeads: 16,
                                       encoderGlobalAttnIndexes: [5, 11, 17, 23])
    /// The official ViT-H model.
    public static let vitH = SAMConfig(encoderEmbedDim: 1280, encoderDepth: 32, encoderNumHeads: 16,
                                       encoderGlobalAttnIndexes: [7, 15, 23, 31])
    /// The tiny encoder of the reference fixtures (`../shared/fixtures/sam_tiny`).
    public static let tiny = SAMConfig(encoderEmbedDim: 64, encoderDepth: 2, encoderNumHeads: 2,
                                       encoderGlobalAttnIndexes: [1])

    /// Channels of the image embedding and of every prompt token.
    public static let promptEmbedDim = 256
    /// Extra mask tokens beyond the single-mask one (SAM's `num_multimask_outputs`).
    public static let multimaskOutputs = 3
    /// Side of the low-resolution mask logits (4× the embedding side).
    public var lowResSize: Int { 4 * embeddingSize }
    /// Side of the image embedding grid, in patches.
    public var embeddingSize: Int { imageSize / patchSize }
}
