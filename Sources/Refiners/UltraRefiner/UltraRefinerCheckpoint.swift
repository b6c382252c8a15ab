import Formats
import NN
import SegmentAnything
import TransUNetModel

/// The joint model's shape: its two networks' configs.
public struct UltraRefinerConfig: Codable, Equatable, Sendable, CustomStringConvertible {
    public var transunet: TransUNetConfig
    public var sam: SAMConfig

    public init(transunet: TransUNetConfig, sam: SAMConfig) {
        self.transunet = transunet
        self.sam = sam
    }

    public var description: String { "UltraRefiner(transunet: \(transunet), sam: \(sam))" }
}

/// The joint model as a model family, so the end-to-end phase's checkpoints are one file with
/// `transunet.*` and `sam.*` keys and both configs in the metadata, read and written by the
/// same code as every other family's.
extension UltraRefinerModel: ModelFamily {
    public static let configMetadataKey = "ultrarefiner_config"

    /// None: a joint model is composed from a TransUNet and a SAM, each with its own presets.
    public static let presets: [(name: String, config: UltraRefinerConfig)] = []

    public static func build(_ config: UltraRefinerConfig) throws -> UltraRefinerModel {
        UltraRefinerModel(transunet: try TransUNet.build(config.transunet), sam: SAM.build(config.sam))
    }

    public var config: UltraRefinerConfig { UltraRefinerConfig(transunet: transunet.config, sam: sam.config) }

    /// Each half's config, read off its own keys.
    public static func inferConfig(from checkpoint: StateDict) throws -> UltraRefinerConfig {
        UltraRefinerConfig(transunet: try TransUNet.inferConfig(from: checkpoint.subtree("transunet")),
                           sam: try SAM.inferConfig(from: checkpoint.subtree("sam")))
    }

    /// The halves' own saved weights under their prefixes (so SAM's LoRA exclusion holds here too).
    public var savedWeights: StateDict {
        var out = StateDict()
        for (prefix, weights) in [("transunet", transunet.savedWeights), ("sam", sam.savedWeights)] {
            for key in weights.keys { out["\(prefix).\(key)"] = weights[key] }
        }
        return out
    }
}
