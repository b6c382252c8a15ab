import Durable
import Formats
import Foundation

/// One checkpoint of a model family, as read from a file or about to be written: the tensors by
/// state-dict key, the family's config when the file records one, and the metadata strings.
///
/// The format follows the extension: `.safetensors` is ours (config and any other settings as
/// JSON in the metadata), anything else an official PyTorch `.pth`. We only write safetensors.
public struct ModelCheckpoint<Family: ModelFamily>: Sendable {
    /// The tensors by state-dict key; their `source` names the file in errors.
    public var tensors: StateDict
    /// The config recorded in the metadata under `Family.configMetadataKey` (our files only).
    public var storedConfig: Family.Config?
    /// Every metadata string (empty for `.pth`); `write(to:)` adds the config to these.
    public var metadata: [String: String]

    /// A checkpoint from its parts (e.g. tensors read some other way, or about to be written).
    public init(tensors: StateDict, storedConfig: Family.Config? = nil, metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.storedConfig = storedConfig
        self.metadata = metadata
    }

    /// Reads `url` by its extension: `.safetensors` with the config decoded from the metadata,
    /// anything else as a PyTorch `.pth`. Errors name the file.
    public init(contentsOf url: URL) throws {
        guard url.pathExtension.lowercased() == "safetensors" else {
            self.init(tensors: try PyTorchCheckpoint.read(url))
            return
        }
        let (tensors, metadata) = try Safetensors.read(url)
        self.init(tensors: tensors, metadata: metadata)
        storedConfig = try decoded(Family.configMetadataKey, as: Family.Config.self)
    }

    /// Where the tensors came from, for error messages.
    public var source: String { tensors.source }

    /// The stored config, else the one the family infers from the tensors (official files).
    public func config() throws -> Family.Config {
        try storedConfig ?? Family.inferConfig(from: tensors)
    }

    /// The JSON metadata value under `key` as a `Value`: nil when absent, an error naming the
    /// file when it does not decode.
    public func decoded<Value: Decodable>(_ key: String, as type: Value.Type) throws -> Value? {
        guard let json = metadata[key] else { return nil }
        do {
            return try JSONDecoder().decode(Value.self, from: Data(json.utf8))
        } catch {
            throw FormatError(source, "metadata '\(key)' is not a valid \(Value.self): \(error)")
        }
    }

    /// Stores `value` as JSON under `key` in the metadata (see `decoded(_:as:)`).
    public mutating func encode(_ value: some Encodable, as key: String) throws {
        let encoder = JSONEncoder()
        // Sorted keys: the same values always give the same bytes (resumed training is compared byte for byte).
        encoder.outputFormatting = .sortedKeys
        metadata[key] = String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// Writes the tensors as safetensors, atomically, with the metadata and the stored config.
    public func write(to url: URL) throws {
        var checkpoint = self
        if let storedConfig { try checkpoint.encode(storedConfig, as: Family.configMetadataKey) }
        try Safetensors.write(tensors, metadata: checkpoint.metadata, to: url)
    }
}
