import Durable
import Formats
import Foundation
import NN
import Tensor
import TestSupport
import Testing
import TransUNetModel

/// TransUNet through the shared checkpoint code: our safetensors files keep the config under
/// `transunet_config`, files without it load by inference, and bad files are named.
struct TransUNetCheckpointTests {
    static let config = TransUNetConfig.cpuTiny.withImageSize(32)

    func expectSameState(_ a: TransUNet, _ b: TransUNet) {
        let left = a.stateDict(), right = b.stateDict()
        #expect(left.map(\.key) == right.map(\.key))
        for (x, y) in zip(left, right) { #expect(x.value.scalars == y.value.scalars, "\(x.key)") }
    }

    @Test func saveAndLoadRoundTripConfigAndTensors() throws {
        let folder = try TestPaths.temporaryDirectory("transunet-ckpt")
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try TransUNet(Self.config, seed: 3)
        let file = folder.appendingPathComponent("model.safetensors")
        try model.save(to: file, metadata: ["phase": "test"])
        // Files written before the shared checkpoint code hold exactly this; they must keep loading.
        #expect(try Safetensors.read(file).metadata == [
            "phase": "test",
            "transunet_config": #"{"decoderChannels":[256,128,64,16],"hiddenSize":64,"imageSize":32,"mlpDim":128,"nClasses":2,"nSkip":3,"numHeads":2,"numLayers":2,"resnet":{"unitsPerStage":[1,1,1],"widthFactor":0.5},"skipChannels":[256,128,32,0]}"#,
        ])
        let loaded = try TransUNet.load(contentsOf: file)
        #expect(loaded.config == Self.config)
        expectSameState(loaded, model)
        #expect(try TransUNetPredictor(checkpoint: file).model.config == Self.config)
    }

    @Test func safetensorsWithoutConfigInfersItFromKeys() throws {
        let folder = try TestPaths.temporaryDirectory("transunet-bare")
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try TransUNet(Self.config, seed: 4)
        let file = folder.appendingPathComponent("bare.safetensors")
        try Safetensors.write(model.checkpoint(), to: file)
        let loaded = try TransUNet.load(contentsOf: file)
        #expect(loaded.config == Self.config)
        expectSameState(loaded, model)
    }

    @Test func truncatedAndMismatchedFilesAreNamed() throws {
        let folder = try TestPaths.temporaryDirectory("transunet-bad")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("model.safetensors")
        try TransUNet(Self.config).save(to: file)

        var other = Self.config
        other.mlpDim = 96
        let mismatch = try #require(throws: FormatError.self) { try TransUNet.load(contentsOf: file, config: other) }
        #expect(mismatch.path == file.path)
        #expect(mismatch.problem.contains("does not fit") && mismatch.problem.contains("ffn.fc1.weight: checkpoint [128, 64], model [96, 64]"))

        let bytes = try Data(contentsOf: file)
        try bytes.prefix(bytes.count - 1).write(to: file)
        let cut = try #require(throws: FormatError.self) { try TransUNetPredictor(checkpoint: file) }
        #expect(cut.path == file.path)
    }

    @Test func presetsAreOneList() {
        #expect(TransUNet.presetList == "R50-ViT-B_16, R50-ViT-L_16, ViT-B_16, cpu-small, cpu-tiny")
        #expect(TransUNet.preset(named: "cpu-small") == .cpuSmall && TransUNet.preset(named: "cpu-huge") == nil)
    }
}
