import Durable
import Formats
import NN
import Tensor

/// The sizes of SAM's ViT image encoder: the only part that differs between the official
/// ViT-B/L/H checkpoints (and MedSAM, which is a fine-tuned ViT-B).
public struct ViTEncoderConfig: Sendable, Equatable, Codable {
    /// Channels of the ViT tokens (768 for ViT-B).
    public var embedDim: Int
    /// Number of transformer blocks.
    public var depth: Int
    /// Attention heads per block.
    public var numHeads: Int
    /// Blocks that attend globally; all others use windowed attention.
    public var globalAttnIndexes: [Int]
    /// Side of the square attention windows, in patches.
    public var windowSize: Int
    /// Side of a patch, in pixels.
    public var patchSize: Int

    /// A ViT of the given sizes.
    public init(embedDim: Int, depth: Int, numHeads: Int, globalAttnIndexes: [Int], windowSize: Int = 14, patchSize: Int = 16) {
        self.embedDim = embedDim
        self.depth = depth
        self.numHeads = numHeads
        self.globalAttnIndexes = globalAttnIndexes
        self.windowSize = windowSize
        self.patchSize = patchSize
    }
}

extension ImageEncoderViT: SAMImageEncoder {
    public static func embeddingSize(config: ViTEncoderConfig, imageSize: Int) -> Int { imageSize / config.patchSize }

    public static func accepts(imageSize: Int, config: ViTEncoderConfig) -> Bool {
        imageSize > 0 && imageSize % config.patchSize == 0
    }

    public static let loraTargets = ["blocks.*.attn.qkv"]

    /// Global blocks are the ones whose relative-position tables span the whole grid rather
    /// than one window.
    public static func inferConfig(from checkpoint: StateDict) throws -> (config: ViTEncoderConfig, imageSize: Int)? {
        guard let posEmbed = checkpoint["image_encoder.pos_embed"]?.shape else { return nil }
        func shape(_ key: String) throws -> [Int] { try checkpoint.shape(of: key, reading: "not a SAM ViT checkpoint") }
        let patch = try shape("image_encoder.patch_embed.proj.weight")
        guard posEmbed.count == 4, patch.count == 4, posEmbed[1] == posEmbed[2] else {
            throw FormatError(checkpoint.source, "unexpected SAM encoder shapes: pos_embed \(posEmbed), patch_embed \(patch)")
        }
        let embedDim = patch[0], patchSize = patch[2], grid = posEmbed[1]
        var depth = 0
        while checkpoint["image_encoder.blocks.\(depth).attn.qkv.weight"] != nil { depth += 1 }
        guard depth > 0 else { throw FormatError(checkpoint.source, "SAM checkpoint has no encoder blocks") }
        var globals: [Int] = [], windowTable: Int?
        for block in 0..<depth {
            let table = try shape("image_encoder.blocks.\(block).attn.rel_pos_h")
            if table[0] == 2 * grid - 1 { globals.append(block) } else { windowTable = table[0] }
        }
        let headDim = try shape("image_encoder.blocks.0.attn.rel_pos_h")[1]
        guard headDim > 0, embedDim % headDim == 0 else {
            throw FormatError(checkpoint.source, "head size \(headDim) does not divide embed dim \(embedDim)")
        }
        let window = windowTable.map { ($0 + 1) / 2 } ?? 14
        let config = ViTEncoderConfig(embedDim: embedDim, depth: depth, numHeads: embedDim / headDim,
                                      globalAttnIndexes: globals, windowSize: window, patchSize: patchSize)
        return (config, grid * patchSize)
    }

    /// Only the absolute position embedding and the global blocks' relative-position tables
    /// depend on the grid size (windowed tables depend on the window only): `pos_embed` is
    /// resampled bilinearly over its grid (align_corners false, as SAM fine-tuning code does)
    /// and each global block's `rel_pos_h/w` linearly to `2·grid − 1` rows (as `get_rel_pos`
    /// would at run time).
    public static func resampled(_ tensors: StateDict, config: ViTEncoderConfig, from source: Int, to target: Int) throws -> StateDict {
        var out = tensors
        let sourceGrid = embeddingSize(config: config, imageSize: source), grid = embeddingSize(config: config, imageSize: target)
        let posKey = "image_encoder.pos_embed"
        let pos = try tensors.tensor(posKey, shape: [1, sourceGrid, sourceGrid, config.embedDim]).tensor
        out[posKey] = StoredTensor(pos.permuted(0, 3, 1, 2).interpolated(size: Size2D(grid, grid), mode: .bilinear(alignCorners: false))
            .permuted(0, 2, 3, 1))
        let headDim = config.embedDim / config.numHeads
        for block in config.globalAttnIndexes {
            for axis in ["h", "w"] {
                let key = "image_encoder.blocks.\(block).attn.rel_pos_\(axis)"
                let table = try tensors.tensor(key, shape: [2 * sourceGrid - 1, headDim]).tensor
                out[key] = StoredTensor(EncoderAttention.resizedTable(table, length: 2 * grid - 1))
            }
        }
        return out
    }
}
