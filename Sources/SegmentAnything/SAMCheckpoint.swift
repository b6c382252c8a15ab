import Durable
import Formats
import Foundation
import NN
import Tensor

/// SAM weights on disk: official `.pth` files and our safetensors files, whose JSON metadata
/// carries the config (`sam_config`) and, for adapter files, the LoRA settings (`lora_config`).
public struct SAMCheckpointFile: Sendable {
    /// The tensors by state-dict key.
    public var tensors: StateDict
    /// The config recorded in the metadata (our files only).
    public var config: SAMConfig?
    /// The LoRA settings recorded in the metadata (adapter files only).
    public var loraConfig: LoRAConfig?
    /// All metadata strings (empty for `.pth`).
    public var metadata: [String: String]

    static let configKey = "sam_config"
    static let loraKey = "lora_config"

    /// Reads a `.safetensors` file (by extension) or a PyTorch `.pth` file.
    public static func read(_ url: URL) throws -> SAMCheckpointFile {
        guard url.pathExtension == "safetensors" else {
            return SAMCheckpointFile(tensors: try PyTorchCheckpoint.read(url), config: nil, loraConfig: nil, metadata: [:])
        }
        let (tensors, metadata) = try Safetensors.read(url)
        func decoded<T: Decodable>(_ key: String, as type: T.Type) throws -> T? {
            guard let text = metadata[key] else { return nil }
            do {
                return try JSONDecoder().decode(T.self, from: Data(text.utf8))
            } catch {
                throw FormatError(url, "metadata '\(key)' is not a valid \(T.self): \(error)")
            }
        }
        return SAMCheckpointFile(tensors: tensors, config: try decoded(configKey, as: SAMConfig.self),
                                 loraConfig: try decoded(loraKey, as: LoRAConfig.self), metadata: metadata)
    }

    static func encoded<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        // Encoding plain structs of numbers and arrays cannot fail.
        return String(decoding: try! encoder.encode(value), as: UTF8.self)
    }
}

extension SAM {
    /// Loads a checkpoint: an official `.pth` or one of our safetensors files. The config is
    /// `config` when given, else the safetensors metadata's, else inferred from the shapes.
    /// `imageSize` overrides the input size (e.g. 512 for a CPU preset); a model whose size
    /// differs from the checkpoint's gets resampled position embeddings (see `SAMResolution`).
    public static func load(contentsOf url: URL, config: SAMConfig? = nil, imageSize: Int? = nil) throws -> SAM {
        let file = try SAMCheckpointFile.read(url)
        let trained = try file.config ?? SAMConfig.inferred(from: file.tensors)
        var target = config ?? trained
        if let imageSize {
            guard imageSize > 0, imageSize % target.patchSize == 0 else {
                throw FormatError(url, "image size \(imageSize) is not a positive multiple of the patch size \(target.patchSize)")
            }
            target.imageSize = imageSize
        }
        var tensors = file.tensors
        if target.imageSize != trained.imageSize {
            tensors = try SAMResolution.resampled(tensors, from: trained, to: target)
        }
        let model = SAM(config: target)
        try model.load(tensors, strict: true)
        return model
    }

    /// Writes the base weights (PyTorch key names; merged adapters folded in, unmerged ones left
    /// out) as safetensors with the config in the metadata.
    public func save(to url: URL, metadata: [String: String] = [:]) throws {
        let entries = stateDict().filter { !LoRALinear.isAdapterKey($0.key) }
        var meta = metadata
        meta[SAMCheckpointFile.configKey] = SAMCheckpointFile.encoded(config)
        try Safetensors.write(StateDict(entries), metadata: meta, to: url)
    }
}
