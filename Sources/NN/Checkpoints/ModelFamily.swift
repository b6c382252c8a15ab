import Durable
import Formats
import Foundation

/// A family of models that share one architecture and differ only by a config value (SAM's
/// ViT-B/L/H, TransUNet's presets). A family states what is its own — its config, the
/// safetensors metadata key that stores it, how to read it off an official checkpoint, its
/// named presets and how to build a model — and gets the checkpoint reading, loading and
/// writing that every family shares (`ModelCheckpoint`, `load(contentsOf:config:)`, `save(to:metadata:)`).
public protocol ModelFamily: Module {
    /// The value that fixes a model's shape; stored as JSON in our checkpoints.
    associatedtype Config: Codable, Equatable, Sendable

    /// The safetensors metadata key holding the JSON config (`sam_config`, `transunet_config`).
    /// Files already written use these keys, so a family never changes its key.
    static var configMetadataKey: String { get }

    /// The named configs, in the order help texts list them: the one list of the family's presets.
    static var presets: [(name: String, config: Config)] { get }

    /// The config a checkpoint was made with, from its keys and tensor shapes, for official
    /// files that carry no config.
    static func inferConfig(from checkpoint: StateDict) throws -> Config

    /// A model for `config` with fresh weights, ready to be loaded.
    static func build(_ config: Config) throws -> Self

    /// The config the model was built for.
    var config: Config { get }

    /// The tensors `save(to:metadata:)` writes; by default every parameter and buffer.
    var savedWeights: StateDict { get }

    /// `checkpoint`'s tensors made to fit a model of `config`, for what the family knows how to
    /// adapt (e.g. position embeddings of another input size); by default they are used as read.
    static func fitted(_ checkpoint: ModelCheckpoint<Self>, to config: Config) throws -> StateDict
}

extension ModelFamily {
    public var savedWeights: StateDict { checkpoint() }

    public static func fitted(_ checkpoint: ModelCheckpoint<Self>, to config: Config) throws -> StateDict {
        checkpoint.tensors
    }

    /// The preset names in list order, comma-separated, as help texts and errors show them.
    public static var presetList: String { presets.map(\.name).joined(separator: ", ") }

    /// The preset called `name`, or nil.
    public static func preset(named name: String) -> Config? {
        presets.first { $0.name == name }?.config
    }

    /// Loads `checkpoint` into this model (strict: every key present with its shape, nothing
    /// extra), after the family's fitting; a mismatch is a `FormatError` naming the file.
    public func load(_ checkpoint: ModelCheckpoint<Self>) throws {
        try load(Self.fitted(checkpoint, to: config), modelDescription: String(describing: config))
    }

    /// A model built for `config` (default: the checkpoint's stored or inferred config) with
    /// the checkpoint's weights.
    public static func load(_ checkpoint: ModelCheckpoint<Self>, config: Config? = nil) throws -> Self {
        let model = try build(config ?? checkpoint.config())
        try model.load(checkpoint)
        return model
    }

    /// Reads an official `.pth` or one of our `.safetensors` files and builds the model it holds
    /// (see `load(_:config:)`).
    public static func load(contentsOf url: URL, config: Config? = nil) throws -> Self {
        try load(ModelCheckpoint(contentsOf: url), config: config)
    }

    /// Writes `savedWeights` as safetensors with the config (and `metadata`) in the header.
    public func save(to url: URL, metadata: [String: String] = [:]) throws {
        try ModelCheckpoint<Self>(tensors: savedWeights, storedConfig: config, metadata: metadata).write(to: url)
    }
}
