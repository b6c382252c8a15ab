import Durable
import Formats
import Foundation
import NN
import Tensor

/// SAM as a model family: official `.pth` files (config read off the shapes) and our
/// safetensors files, whose metadata carries the config (`sam_config`) and, for adapter files,
/// the LoRA settings (`lora_config`, see `saveLoRA(to:metadata:)`).
extension SAM: ModelFamily {
    public static let configMetadataKey = "sam_config"

    public static let presets: [(name: String, config: SAMConfig)] = [
        ("vit_b", .vitB), ("vit_l", .vitL), ("vit_h", .vitH), ("tiny", .tiny),
    ]

    /// Metadata key of the LoRA settings in adapter files.
    static let loraMetadataKey = "lora_config"

    public static func build(_ config: SAMConfig) -> SAM { SAM(config: config) }

    /// The base weights (PyTorch key names; merged adapters folded in, unmerged ones left out,
    /// since they have their own files).
    public var savedWeights: StateDict {
        StateDict(stateDict().filter { !LoRALinear.isAdapterKey($0.key) })
    }

    /// Reads the encoder size off a checkpoint's tensor shapes, so any official or custom SAM
    /// checkpoint loads without naming its variant. Global blocks are the ones whose
    /// relative-position tables span the whole grid rather than one window.
    public static func inferConfig(from checkpoint: StateDict) throws -> SAMConfig {
        func shape(_ key: String) throws -> [Int] {
            guard let t = checkpoint[key] else {
                throw FormatError(checkpoint.source, "not a SAM checkpoint: no \(key)")
            }
            return t.shape
        }
        let posEmbed = try shape("image_encoder.pos_embed")
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
        return SAMConfig(encoderEmbedDim: embedDim, encoderDepth: depth, encoderNumHeads: embedDim / headDim,
                         encoderGlobalAttnIndexes: globals, windowSize: window, imageSize: grid * patchSize,
                         patchSize: patchSize)
    }

    /// Weights trained at another input size get resampled position embeddings (see `SAMResolution`).
    public static func fitted(_ checkpoint: ModelCheckpoint<SAM>, to config: SAMConfig) throws -> StateDict {
        let trained = try checkpoint.config()
        guard trained.imageSize != config.imageSize else { return checkpoint.tensors }
        return try SAMResolution.resampled(checkpoint.tensors, from: trained, to: config)
    }
}

extension SAM {
    /// Loads a checkpoint as `load(contentsOf:config:)` does, at input size `imageSize` (e.g.
    /// 512 for a CPU preset) instead of the config's when given.
    public static func load(contentsOf url: URL, config: SAMConfig? = nil, imageSize: Int?) throws -> SAM {
        let checkpoint = try ModelCheckpoint<SAM>(contentsOf: url)
        var target = try config ?? checkpoint.config()
        if let imageSize {
            guard imageSize > 0, imageSize % target.patchSize == 0 else {
                throw FormatError(url, "image size \(imageSize) is not a positive multiple of the patch size \(target.patchSize)")
            }
            target.imageSize = imageSize
        }
        return try load(checkpoint, config: target)
    }
}
