import Durable
import Formats
import Foundation
import NN
import Tensor
import TestSupport
import Testing

/// The config of `ToyFamily`; declared out of alphabetical order so sorted JSON keys show.
struct ToyConfig: Codable, Equatable, Sendable {
    var channels: Int
    var inputs: Int
    var features: Int
}

final class ToyConv: Module {
    let weight: Parameter
    let bias: Parameter
    init(_ config: ToyConfig) {
        weight = Parameter(.zeros([config.channels, config.inputs, 3, 3]))
        bias = Parameter(.zeros([config.channels]))
    }
}

final class ToyNorm: Module {
    let running_mean: Buffer
    let num_batches_tracked: Buffer
    init(_ config: ToyConfig) {
        running_mean = Buffer(.zeros([config.features]))
        num_batches_tracked = Buffer(.zeros([]))
    }
}

/// A family small enough to state by hand, with the keys of the `plain.pth` fixture
/// (tools/make_checkpoint_fixtures.py), so the generic code is tested apart from SAM and TransUNet.
final class ToyFamily: ModelFamily {
    let conv: ToyConv
    let bn: ToyNorm
    let scalar: Parameter
    let config: ToyConfig

    init(_ config: ToyConfig) {
        conv = ToyConv(config)
        bn = ToyNorm(config)
        scalar = Parameter(.zeros([]))
        self.config = config
    }

    static let configMetadataKey = "toy_config"
    static let presets: [(name: String, config: ToyConfig)] = [
        ("small", ToyConfig(channels: 2, inputs: 3, features: 4)), ("large", ToyConfig(channels: 8, inputs: 3, features: 4)),
    ]

    static func inferConfig(from checkpoint: StateDict) throws -> ToyConfig {
        guard let conv = checkpoint["conv.weight"], let norm = checkpoint["bn.running_mean"] else {
            throw FormatError(checkpoint.source, "not a toy checkpoint")
        }
        return ToyConfig(channels: conv.shape[0], inputs: conv.shape[1], features: norm.shape[0])
    }

    static func build(_ config: ToyConfig) -> ToyFamily { ToyFamily(config) }

    /// A model of the `small` preset with distinct values from `seed`.
    static func random(seed: UInt64) -> ToyFamily {
        let model = ToyFamily(presets[0].config)
        var generator = SeededGenerator(seed: seed)
        for (_, parameter) in model.namedParameters() { parameter.value = .randn(parameter.shape, generator: &generator) }
        model.bn.running_mean.value = .randn([4], generator: &generator)
        return model
    }
}

/// The checkpoint code every model family shares: reading by extension, the config in the
/// safetensors metadata or inferred from the keys, writing, and errors that name the file.
struct ModelCheckpointTests {
    static let plainPth = TestPaths.fixtures.appendingPathComponent("checkpoints/plain.pth")

    func expectSameState(_ a: some Module, _ b: some Module) {
        let left = a.stateDict(), right = b.stateDict()
        #expect(left.map(\.key) == right.map(\.key))
        for (x, y) in zip(left, right) { #expect(x.value.shape == y.value.shape && x.value.scalars == y.value.scalars, "\(x.key)") }
    }

    @Test func saveAndReadRoundTripConfigTensorsAndMetadata() throws {
        let folder = try TestPaths.temporaryDirectory("family")
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = ToyFamily.random(seed: 1)
        let file = folder.appendingPathComponent("toy.safetensors")
        // The config always wins over a metadata entry of the same key.
        try model.save(to: file, metadata: ["phase": "test", "toy_config": "stale"])
        let checkpoint = try ModelCheckpoint<ToyFamily>(contentsOf: file)
        #expect(checkpoint.storedConfig == model.config)
        #expect(checkpoint.metadata["phase"] == "test")
        #expect(checkpoint.metadata["toy_config"] == #"{"channels":2,"features":4,"inputs":3}"#)
        #expect(checkpoint.source == file.path)
        expectSameState(try ToyFamily.load(contentsOf: file), model)
    }

    @Test func equalModelsGiveEqualBytes() throws {
        let folder = try TestPaths.temporaryDirectory("family-bytes")
        defer { try? FileManager.default.removeItem(at: folder) }
        let first = folder.appendingPathComponent("a.safetensors"), second = folder.appendingPathComponent("b.safetensors")
        try ToyFamily.random(seed: 2).save(to: first, metadata: ["fold": "0", "phase": "1"])
        try ToyFamily.random(seed: 2).save(to: second, metadata: ["phase": "1", "fold": "0"])
        #expect(try Data(contentsOf: first) == Data(contentsOf: second))
    }

    @Test func extraSettingsRoundTripAsJSON() throws {
        let folder = try TestPaths.temporaryDirectory("family-extra")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("extra.safetensors")
        var checkpoint = ModelCheckpoint<ToyFamily>(tensors: ToyFamily.random(seed: 3).checkpoint())
        try checkpoint.encode(ToyConfig(channels: 1, inputs: 2, features: 3), as: "other")
        try checkpoint.write(to: file)
        let read = try ModelCheckpoint<ToyFamily>(contentsOf: file)
        #expect(read.storedConfig == nil)
        #expect(try read.decoded("other", as: ToyConfig.self) == ToyConfig(channels: 1, inputs: 2, features: 3))
        #expect(try read.decoded("absent", as: ToyConfig.self) == nil)
    }

    @Test func officialPthInfersTheConfigFromItsShapes() throws {
        let checkpoint = try ModelCheckpoint<ToyFamily>(contentsOf: Self.plainPth)
        #expect(checkpoint.storedConfig == nil && checkpoint.metadata.isEmpty)
        let model = try ToyFamily.load(checkpoint)
        #expect(model.config == ToyConfig(channels: 2, inputs: 3, features: 4))
        #expect(model.conv.bias.value.scalars == [0.25, -0.75])
        #expect(model.scalar.value.scalars == [3.5])
    }

    @Test func safetensorsWithoutConfigInfersIt() throws {
        let folder = try TestPaths.temporaryDirectory("family-infer")
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = ToyFamily.random(seed: 4)
        let file = folder.appendingPathComponent("bare.SAFETENSORS")
        try Safetensors.write(model.checkpoint(), to: file)
        let checkpoint = try ModelCheckpoint<ToyFamily>(contentsOf: file)
        #expect(checkpoint.storedConfig == nil)
        #expect(try checkpoint.config() == model.config)
        expectSameState(try ToyFamily.load(checkpoint), model)
    }

    @Test func truncatedMismatchedAndMalformedFilesAreNamed() throws {
        let folder = try TestPaths.temporaryDirectory("family-bad")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("toy.safetensors")
        try ToyFamily.random(seed: 5).save(to: file)

        let truncated = folder.appendingPathComponent("cut.safetensors")
        let bytes = try Data(contentsOf: file)
        try bytes.prefix(bytes.count - 10).write(to: truncated)
        let cut = try #require(throws: FormatError.self) { try ToyFamily.load(contentsOf: truncated) }
        #expect(cut.path == truncated.path)

        let large = try #require(ToyFamily.preset(named: "large"))
        let mismatch = try #require(throws: FormatError.self) { try ToyFamily.load(contentsOf: file, config: large) }
        #expect(mismatch.path == file.path)
        #expect(mismatch.problem.contains("does not fit") && mismatch.problem.contains("conv.weight: checkpoint [2, 3, 3, 3], model [8, 3, 3, 3]"))

        let malformed = folder.appendingPathComponent("malformed.safetensors")
        try Safetensors.write(ToyFamily.random(seed: 6).checkpoint(), metadata: ["toy_config": "{\"channels\": 2}"], to: malformed)
        let bad = try #require(throws: FormatError.self) { try ModelCheckpoint<ToyFamily>(contentsOf: malformed) }
        #expect(bad.path == malformed.path && bad.problem.contains("'toy_config'"))

        let notAModel = try #require(throws: FormatError.self) {
            try ToyFamily.load(ModelCheckpoint(tensors: StateDict(source: "empty.pth")))
        }
        #expect(notAModel.description == "empty.pth: not a toy checkpoint")
    }

    @Test func presetsAreOneListLookedUpByName() {
        #expect(ToyFamily.presetList == "small, large")
        #expect(ToyFamily.preset(named: "large") == ToyConfig(channels: 8, inputs: 3, features: 4))
        #expect(ToyFamily.preset(named: "huge") == nil)
    }
}
