import Durable
import Formats
import Foundation
import Imaging
import Inference
import SegmentAnything
import Spool

/// The daemon's settings, read from its TOML config and merged with command-line flags.
///
/// Defaults (when neither the file nor a flag sets a value): spool `./spool`; the shipped model
/// `default` from the folder `models` (`[model] name`, `[model] root`), whose networks an
/// explicit `transunet` or `sam` weights file replaces; the SAM family's own preprocessing
/// (LiteMedSAM's recipe for TinyViT, square with SAM normalisation for ViT) unless
/// `preprocessing` or `sam_normalization` is set; inference on every core and training on all
/// but one (so a running job leaves room for masks), `max_pixels = 16_777_216` (4096², so PNG
/// bombs are refused before decoding).
public struct DaemonConfig: Sendable, Equatable {
    /// `[model] name`, `--model`: the named model in `modelsRoot` (`NAME/ultrarefiner.safetensors`).
    public var modelName: String = ModelSelection.defaultName
    /// `[model] root`: the folder of named models and of `base/`, relative to the working folder.
    public var modelsRoot: String = ModelSelection.defaultRoot.relativePath
    /// TransUNet weights (`[model] transunet`, `--transunet`).
    public var transunet: String?
    /// SAM weights (`[model] sam`, `--sam`).
    public var sam: String?
    /// `[model] preprocessing` (nil: square when `sam_normalization` is set, else the SAM family's own).
    public var preprocessing: SAMPreprocessing.Geometry?
    /// `[model] sam_normalization` (nil: SAM's when `preprocessing` is set, else the family's own).
    public var samNormalization: PixelNormalization?
    /// `[spool] root`, `--spool`.
    public var spoolRoot: String = "./spool"
    /// `[spool] instance`, `--instance`: this daemon's claim area `work/INSTANCE/` on a spool
    /// that several daemons may share; the host name unless set.
    public var instance: String = SpoolLease.hostName
    /// `[spool] lease_seconds`, `--lease-seconds`: how long this instance's items stay its own
    /// without a heartbeat before another instance adopts them.
    public var leaseSeconds: Double = SpoolLease.defaultSeconds
    /// `[lanes]`: how the cores are split, so training never starves mask requests.
    public var inferenceThreads: Int = ProcessInfo.processInfo.activeProcessorCount
    public var trainingThreads: Int = max(1, ProcessInfo.processInfo.activeProcessorCount - 1)
    /// `[limits] max_pixels`: larger PNGs are refused from their header, before decoding.
    public var maxPixels: Int = 4096 * 4096
    /// `[data] root`: where `prepare` jobs write datasets and training jobs find them by name;
    /// nil means `datasets/` beside the spool folder. Relative job paths resolve against it.
    public var dataRoot: String?

    /// The datasets folder: `[data] root`, or `datasets` beside the spool.
    public var resolvedDataRoot: URL {
        if let dataRoot { return URL(fileURLWithPath: dataRoot) }
        return URL(fileURLWithPath: spoolRoot).standardizedFileURL.deletingLastPathComponent()
            .appendingPathComponent("datasets")
    }

    /// The defaults listed above.
    public init() {}

    /// Values given on the command line; each one set wins over the config file.
    public struct Overrides: Sendable, Equatable {
        public var modelName: String?
        public var transunet: String?
        public var sam: String?
        public var spoolRoot: String?
        public var instance: String?
        public var leaseSeconds: Double?

        /// Collects the flags that were given.
        public init(modelName: String? = nil, transunet: String? = nil, sam: String? = nil, spoolRoot: String? = nil,
                    instance: String? = nil, leaseSeconds: Double? = nil) {
            self.modelName = modelName
            self.transunet = transunet
            self.sam = sam
            self.spoolRoot = spoolRoot
            self.instance = instance
            self.leaseSeconds = leaseSeconds
        }
    }

    /// Parses config `text` read from `path`; unknown keys and bad values throw `path:line: reason`.
    public static func parse(_ text: String, path: String) throws -> DaemonConfig {
        let reader = DocumentReader(try TOMLSubsetParser.parse(text, path: path), path: path)
        try reader.rejectUnknownKeys(allowed: [
            "model.name", "model.root", "model.transunet", "model.sam", "model.preprocessing", "model.sam_normalization",
            "spool.root", "spool.instance", "spool.lease_seconds", "lanes.inference_threads", "lanes.training_threads", "limits.max_pixels",
            "data.root",
        ])
        var config = DaemonConfig()
        config.modelName = try reader.string("model.name") ?? config.modelName
        config.modelsRoot = try reader.string("model.root") ?? config.modelsRoot
        config.transunet = try reader.string("model.transunet")
        config.sam = try reader.string("model.sam")
        if let p = try reader.choice("model.preprocessing", SAMPreprocessing.Geometry.allCases.map(\.rawValue)) {
            config.preprocessing = SAMPreprocessing.Geometry(rawValue: p)!
        }
        if let n = try reader.choice("model.sam_normalization", PixelNormalization.allCases.map(\.rawValue)) {
            config.samNormalization = PixelNormalization(rawValue: n)!
        }
        config.spoolRoot = try reader.string("spool.root") ?? config.spoolRoot
        if let instance = try reader.string("spool.instance") {
            do { try SpoolLease.validate(instance: instance) } catch let error as SpoolError {
                throw reader.error("spool.instance", error.problem)
            }
            config.instance = instance
        }
        if let lease = try reader.number("spool.lease_seconds") {
            guard lease > 0 else { throw reader.error("spool.lease_seconds", "spool.lease_seconds must be positive, got \(lease)") }
            config.leaseSeconds = lease
        }
        config.inferenceThreads = try reader.positiveInteger("lanes.inference_threads") ?? config.inferenceThreads
        config.trainingThreads = try reader.positiveInteger("lanes.training_threads") ?? config.trainingThreads
        config.maxPixels = try reader.positiveInteger("limits.max_pixels") ?? config.maxPixels
        config.dataRoot = try reader.string("data.root")
        return config
    }

    /// Reads the config file at `url` (nil: defaults only), applies `overrides`, and checks
    /// that every weights file it names exists, so a bad setup fails before the daemon reports ready.
    /// `validatingWeights: false` only reads and merges (to find the spool before the weights).
    public static func load(_ url: URL?, overrides: Overrides = Overrides(),
                            validatingWeights: Bool = true) throws -> DaemonConfig {
        var config = DaemonConfig()
        if let url {
            let text: String
            do { text = try String(contentsOf: url, encoding: .utf8) } catch {
                throw FormatError(url, "cannot read config file: \(error.localizedDescription)")
            }
            config = try parse(text, path: url.path)
        }
        let merged = config.merging(overrides)
        if validatingWeights { try merged.validateWeights() }
        return merged
    }

    /// This config with every override that was given replacing the file's value.
    public func merging(_ overrides: Overrides) -> DaemonConfig {
        var merged = self
        merged.modelName = overrides.modelName ?? modelName
        merged.transunet = overrides.transunet ?? transunet
        merged.sam = overrides.sam ?? sam
        merged.spoolRoot = overrides.spoolRoot ?? spoolRoot
        merged.instance = overrides.instance ?? instance
        merged.leaseSeconds = overrides.leaseSeconds ?? leaseSeconds
        return merged
    }

    /// Throws a configuration error naming the missing weights file.
    public func validateWeights() throws {
        try selection.validate()
    }

    /// The weights this config names.
    public var selection: ModelSelection {
        ModelSelection(root: URL(fileURLWithPath: modelsRoot), name: modelName,
                       transunet: transunet.map { URL(fileURLWithPath: $0) }, sam: sam.map { URL(fileURLWithPath: $0) })
    }

    /// What the inference lane runs, for logs: the named model and the files replacing its parts.
    public var modelDescription: String {
        let parts = [selection.usesNamedModel ? "model \(modelsRoot)/\(modelName)" : nil,
                     transunet.map { "transunet \($0)" }, sam.map { "sam \($0)" }]
        return parts.compactMap { $0 }.joined(separator: ", ")
    }
}

extension RefinementModels {
    /// The models a daemon config names.
    public convenience init(config: DaemonConfig) throws {
        try self.init(selection: config.selection, samPreprocessing: config.samPreprocessing)
    }
}

extension DaemonConfig {
    /// `[model] preprocessing` and `sam_normalization` as the preprocessing SAM receives, or nil
    /// when neither is set (the chain then uses the SAM family's own): the square form
    /// resamples bilinearly, the longest-side form as the official predictor does.
    public var samPreprocessing: SAMPreprocessing? {
        guard preprocessing != nil || samNormalization != nil else { return nil }
        let normalization = samNormalization ?? .sam
        return switch preprocessing ?? .square {
        case .square: .square(normalization)
        case .longestSide: SAMPreprocessing(geometry: .longestSide, resampler: .pillowBilinear, normalization: normalization)
        }
    }
}
