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
        ("vit_b", .vitB), ("vit_l", .vitL), ("vit_h", .vitH), ("tiny", .tiny), ("litemedsam", .liteMedSAM),
    ]

    /// Metadata key of the LoRA settings in adapter files.
    static let loraMetadataKey = "lora_config"

    public static func build(_ config: SAMConfig) -> SAM { SAM(config: config) }

    /// The base weights (PyTorch key names; merged adapters folded in, unmerged ones left out,
    /// since they have their own files).
    public var savedWeights: StateDict {
        StateDict(stateDict().filter { !LoRALinear.isAdapterKey($0.key) })
    }

    /// Reads the encoder family and sizes off a checkpoint's tensor shapes, so any official or
    /// custom SAM checkpoint loads without naming its variant.
    public static func inferConfig(from checkpoint: StateDict) throws -> SAMConfig {
        try SAMConfig.inferred(from: checkpoint)
    }

    /// Weights trained at another input size are adapted by their encoder family (ViT:
    /// resampled position tables, `ImageEncoderViT.resampled`).
    public static func fitted(_ checkpoint: ModelCheckpoint<SAM>, to config: SAMConfig) throws -> StateDict {
        let trained = try checkpoint.config()
        guard trained.imageSize != config.imageSize else { return checkpoint.tensors }
        return try trained.resampled(checkpoint.tensors, to: config)
    }
}

extension SAM {
    /// Loads a checkpoint as `load(contentsOf:config:)` does, at input size `imageSize` (e.g.
    /// 512 for a CPU preset) instead of the config's when given.
    public static func load(contentsOf url: URL, config: SAMConfig? = nil, imageSize: Int?) throws -> SAM {
        let checkpoint = try ModelCheckpoint<SAM>(contentsOf: url)
        var target = try config ?? checkpoint.config()
        if let imageSize {
            guard target.accepts(imageSize: imageSize) else {
                throw FormatError(url, "image size \(imageSize) does not fit the encoder \(target.encoder)")
            }
            target.imageSize = imageSize
        }
        return try load(checkpoint, config: target)
    }
}
