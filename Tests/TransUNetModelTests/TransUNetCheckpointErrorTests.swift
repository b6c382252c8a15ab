import Durable
import Formats
import Foundation
import NN
import Tensor
import TestSupport
import Testing
import TransUNetModel

/// Checkpoints that do not fit the model are refused with the file and every offending key named.
struct TransUNetCheckpointErrorTests {
    /// A state dict of the tiny preset with its own random values.
    func tinyStateDict() throws -> StateDict {
        StateDict(try TransUNet(TransUNetConfig.cpuTiny.withImageSize(32)).stateDict(), source: "tiny.pth")
    }

    @Test func missingAndUnexpectedKeysAreListed() throws {
        var stateDict = try tinyStateDict()
        stateDict["decoder.conv_more.1.running_var"] = nil
        stateDict["decoder.extra.weight"] = StoredTensor(shape: [1], values: [0])
        let model = try TransUNet(TransUNetConfig.cpuTiny.withImageSize(32))
        let error = try #require(throws: FormatError.self) { try model.load(ModelCheckpoint(tensors: stateDict)) }
        #expect(error.path == "tiny.pth")
        #expect(error.problem.contains("missing keys: decoder.conv_more.1.running_var"))
        #expect(error.problem.contains("unexpected keys: decoder.extra.weight"))
    }

    @Test func shapeMismatchesNameKeyAndBothShapes() throws {
        let stateDict = try tinyStateDict()
        var config = TransUNetConfig.cpuTiny.withImageSize(32)
        config.mlpDim = 96
        let model = try TransUNet(config)
        let error = try #require(throws: FormatError.self) { try model.load(ModelCheckpoint(tensors: stateDict)) }
        #expect(error.problem.contains("transformer.encoder.layer.0.ffn.fc1.weight: checkpoint [128, 64], model [96, 64]"))
    }

    @Test func positionEmbeddingsThatAreNoGridAreRefused() throws {
        var stateDict = try tinyStateDict()
        stateDict["transformer.embeddings.position_embeddings"] = StoredTensor(shape: [1, 7, 64], values: Array(repeating: 0, count: 448))
        let model = try TransUNet(TransUNetConfig.cpuTiny.withImageSize(32))
        let error = try #require(throws: FormatError.self) { try model.load(ModelCheckpoint(tensors: stateDict)) }
        #expect(error.problem.contains("position_embeddings") && error.problem.contains("square grid"))
    }

    @Test func impossibleConfigurationsAreRefused() {
        var config = TransUNetConfig.cpuTiny
        config.imageSize = 200
        config.numHeads = 3
        let error = #expect(throws: TransUNetConfigError.self) { try TransUNet(config) }
        #expect(error?.description.contains("200 is not a positive multiple of 16") == true)
        #expect(error?.description.contains("64 does not split into 3 heads") == true)
    }
}

/// Damaged Google `.npz` archives (the fixture's, with one key removed or reshaped).
@Suite(.enabled(if: TestPaths.hasSharedFixtures, "needs ../shared/fixtures"))
struct TransUNetGoogleCheckpointErrorTests {
    func googleArrays() throws -> [String: NPYArray] {
        try NPZ.read(TransUNetFixtures.mini.appendingPathComponent("transunet.npz"))
    }

    @Test func googleArchiveMissingAKeyNamesIt() throws {
        let model = try TransUNet(.cpuTiny)
        var arrays = try googleArrays()
        arrays["block2/unit1/gn_proj/scale"] = nil
        let error = try #require(throws: FormatError.self) {
            try GoogleCheckpoint.load(arrays, source: "R50.npz", into: model)
        }
        #expect(error.description == "R50.npz: missing key 'block2/unit1/gn_proj/scale'")
    }

    @Test func googleArchiveWithWrongShapesIsRefused() throws {
        let model = try TransUNet(.cpuTiny)
        var arrays = try googleArrays()
        arrays["Transformer/encoderblock_1/MlpBlock_3/Dense_0/kernel"] = NPYArray(float32: Array(repeating: 0, count: 64 * 96), shape: [64, 96])
        let error = try #require(throws: FormatError.self) {
            try GoogleCheckpoint.load(arrays, source: "R50.npz", into: model)
        }
        #expect(error.problem.contains("encoder.layer.1.ffn.fc1.weight: checkpoint [96, 64], model [128, 64]"))
    }
}
