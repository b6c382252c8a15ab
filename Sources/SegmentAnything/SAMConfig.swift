import Durable
import Formats
import NN
import Tensor

/// The shape of a Segment Anything model: which image encoder, of what size, at which input
/// resolution. The presets are listed by name in `SAM.presets`.
///
/// The prompt encoder and mask decoder are the same for every model we load (256-d prompts, a
/// two-layer two-way transformer, 3 multimask outputs), so they are fixed here; only their
/// grid follows the encoder's embedding size.
public struct SAMConfig: Sendable, Equatable {
    /// The image encoder families, the registry a new family joins with one case.
    public enum Encoder: Sendable, Equatable {
        /// SAM's ViTDet encoder (official SAM ViT-B/L/H, MedSAM).
        case vit(ViTEncoderConfig)
        /// TinyViT (LiteMedSAM).
        case tinyViT(TinyViTConfig)
    }

    /// The image encoder and its sizes.
    public var encoder: Encoder
    /// Side of the square encoder input, in pixels.
    public var imageSize: Int

    /// A config of any encoder family.
    public init(encoder: Encoder, imageSize: Int) {
        self.encoder = encoder
        self.imageSize = imageSize
    }

    /// A ViT-encoder config (the official models' shape), with the standard prompt encoder and mask decoder.
    public init(encoderEmbedDim: Int, encoderDepth: Int, encoderNumHeads: Int, encoderGlobalAttnIndexes: [Int],
                windowSize: Int = 14, imageSize: Int = 1024, patchSize: Int = 16) {
        self.init(encoder: .vit(ViTEncoderConfig(embedDim: encoderEmbedDim, depth: encoderDepth, numHeads: encoderNumHeads,
                                                 globalAttnIndexes: encoderGlobalAttnIndexes, windowSize: windowSize,
                                                 patchSize: patchSize)),
                  imageSize: imageSize)
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
    /// LiteMedSAM (`lite_medsam.pth`): TinyViT at 256², a 64×64 embedding, 256² low-res masks.
    public static let liteMedSAM = SAMConfig(encoder: .tinyViT(.liteMedSAM), imageSize: 256)

    /// Channels of the image embedding and of every prompt token.
    public static let promptEmbedDim = 256
    /// Extra mask tokens beyond the single-mask one (SAM's `num_multimask_outputs`).
    public static let multimaskOutputs = 3
    /// Side of the low-resolution mask logits (4× the embedding side).
    public var lowResSize: Int { 4 * embeddingSize }

    /// The ViT sizes, when the encoder is a ViT.
    public var vit: ViTEncoderConfig? {
        switch encoder {
        case .vit(let c): c
        case .tinyViT: nil
        }
    }

    /// Side of the image embedding grid.
    public var embeddingSize: Int {
        switch encoder {
        case .vit(let c): ImageEncoderViT.embeddingSize(config: c, imageSize: imageSize)
        case .tinyViT(let c): TinyViT.embeddingSize(config: c, imageSize: imageSize)
        }
    }

    /// How the family's reference predictor prepares images: the official `SamPredictor`'s
    /// for ViT SAM, LiteMedSAM's own recipe for TinyViT (its weights are only right with it).
    /// What `ultrarefiner sam` uses unless told otherwise.
    public var officialPreprocessing: SAMPreprocessing {
        switch encoder {
        case .vit: .samPredictor
        case .tinyViT: .liteMedSAM
        }
    }

    /// Whether an encoder of this family and size can take `imageSize`² inputs.
    public func accepts(imageSize: Int) -> Bool {
        switch encoder {
        case .vit(let c): ImageEncoderViT.accepts(imageSize: imageSize, config: c)
        case .tinyViT(let c): TinyViT.accepts(imageSize: imageSize, config: c)
        }
    }

    /// A fresh encoder of this config.
    func makeEncoder(generator: inout SeededGenerator) -> any SAMImageEncoder {
        switch encoder {
        case .vit(let c): ImageEncoderViT(config: c, imageSize: imageSize, generator: &generator)
        case .tinyViT(let c): TinyViT(config: c, imageSize: imageSize, generator: &generator)
        }
    }

    /// Module-path patterns (from the model's root) of the linear layers LoRA adapts.
    public var loraTargets: [String] {
        let relative: [String] = switch encoder {
        case .vit: ImageEncoderViT.loraTargets
        case .tinyViT: TinyViT.loraTargets
        }
        return relative.map { "image_encoder." + $0 }
    }

    /// The config a SAM checkpoint was made with, read off its encoder's key shapes (each
    /// family recognises its own keys).
    static func inferred(from checkpoint: StateDict) throws -> SAMConfig {
        if let (vit, side) = try ImageEncoderViT.inferConfig(from: checkpoint) {
            return SAMConfig(encoder: .vit(vit), imageSize: side)
        }
        if let (tinyViT, side) = try TinyViT.inferConfig(from: checkpoint) {
            return SAMConfig(encoder: .tinyViT(tinyViT), imageSize: side)
        }
        throw FormatError(checkpoint.source, "not a SAM checkpoint: no image encoder keys of a known family "
                          + "(image_encoder.pos_embed for ViT, image_encoder.patch_embed.seq.0.c.weight for TinyViT)")
    }

    /// `tensors` trained with `self` adapted to `target`, which may differ in input size only.
    public func resampled(_ tensors: StateDict, to target: SAMConfig) throws -> StateDict {
        guard encoder == target.encoder else {
            throw FormatError(tensors.source, "only the image size may differ when resampling SAM weights: checkpoint \(self), model \(target)")
        }
        switch encoder {
        case .vit(let c): return try ImageEncoderViT.resampled(tensors, config: c, from: imageSize, to: target.imageSize)
        case .tinyViT(let c): return try TinyViT.resampled(tensors, config: c, from: imageSize, to: target.imageSize)
        }
    }
}

/// The stored form (safetensors metadata `sam_config`). ViT configs keep the flat fields our
/// files have always carried (`encoderEmbedDim`, …, `imageSize`, `patchSize`), so every file
/// written before the encoder became a choice still loads and equal models still give equal
/// bytes; other families name themselves in `encoder` and keep their sizes under their own key
/// (TinyViT: `"encoder": "tinyvit"`, `tinyViT`).
extension SAMConfig: Codable {
    private enum Keys: String, CodingKey {
        case encoder, encoderEmbedDim, encoderDepth, encoderNumHeads, encoderGlobalAttnIndexes, windowSize, imageSize, patchSize
        case tinyViT
    }

    /// The `encoder` name of the TinyViT family.
    private static let tinyViTName = "tinyvit"

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        let family = try c.decodeIfPresent(String.self, forKey: .encoder) ?? "vit"
        switch family {
        case "vit":
            self.init(encoderEmbedDim: try c.decode(Int.self, forKey: .encoderEmbedDim),
                      encoderDepth: try c.decode(Int.self, forKey: .encoderDepth),
                      encoderNumHeads: try c.decode(Int.self, forKey: .encoderNumHeads),
                      encoderGlobalAttnIndexes: try c.decode([Int].self, forKey: .encoderGlobalAttnIndexes),
                      windowSize: try c.decode(Int.self, forKey: .windowSize),
                      imageSize: try c.decode(Int.self, forKey: .imageSize),
                      patchSize: try c.decode(Int.self, forKey: .patchSize))
        case Self.tinyViTName:
            self.init(encoder: .tinyViT(try c.decode(TinyViTConfig.self, forKey: .tinyViT)),
                      imageSize: try c.decode(Int.self, forKey: .imageSize))
        default:
            throw DecodingError.dataCorruptedError(forKey: .encoder, in: c, debugDescription: "unknown SAM encoder family \"\(family)\"")
        }
    }

    public func encode(to encoder: any Swift.Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(imageSize, forKey: .imageSize)
        switch self.encoder {
        case .vit(let v):
            try c.encode(v.embedDim, forKey: .encoderEmbedDim)
            try c.encode(v.depth, forKey: .encoderDepth)
            try c.encode(v.numHeads, forKey: .encoderNumHeads)
            try c.encode(v.globalAttnIndexes, forKey: .encoderGlobalAttnIndexes)
            try c.encode(v.windowSize, forKey: .windowSize)
            try c.encode(v.patchSize, forKey: .patchSize)
        case .tinyViT(let t):
            try c.encode(Self.tinyViTName, forKey: .encoder)
            try c.encode(t, forKey: .tinyViT)
        }
    }
}
