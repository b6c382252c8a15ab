import Formats
import Foundation
import NN
import Tensor
import TestSupport
import Testing
import TransUNetModel

/// Parity with the original TransUNet code on the `transunet_mini` fixture (R50 at half width,
/// 2-layer 64-wide transformer). Bars come from the fixture README: float32 noise is ~2e-6 on
/// the logits and up to ~3e-4 on `encoded`, while single slips (StdConv eps, BatchNorm eps,
/// align_corners) move the logits by 5e-4 or more; so logits and probabilities must agree to
/// 2e-5 and intermediates to 1e-3.
@Suite(.enabled(if: TestPaths.hasSharedFixtures, "needs ../shared/fixtures"))
struct TransUNetParityTests {
    func expectMatchesReference(_ model: TransUNet) throws {
        let input = try TransUNetFixtures.array("input.npy")
        let (logits, encoded, features) = noGrad { model.logitsAndIntermediates(input) }
        #expect(maxAbsDifference(logits, try TransUNetFixtures.array("logits.npy")) <= 2e-5)
        let probability = noGrad { logits.foregroundProbability() }
        #expect(maxAbsDifference(probability, try TransUNetFixtures.array("prob_fg.npy")) <= 2e-5)
        #expect(maxAbsDifference(encoded, try TransUNetFixtures.array("intermediates/encoded.npy")) <= 1e-3)
        #expect(features.count == 3)
        for (index, feature) in features.enumerated() {
            let reference = try TransUNetFixtures.array("intermediates/skip\(index).npy")
            #expect(maxAbsDifference(feature, reference) <= 1e-3, "skip\(index)")
        }
    }

    @Test func pyTorchStateDictReproducesOfficialOutputs() throws {
        try expectMatchesReference(TransUNetFixtures.modelFromPyTorch())
    }

    @Test func googleEncoderPlusPyTorchDecoderReproducesOfficialOutputs() throws {
        let model = try TransUNet(.cpuTiny, seed: 7)
        try GoogleCheckpoint.load(TransUNetFixtures.mini.appendingPathComponent("transunet.npz"), into: model)
        let pth = try PyTorchCheckpoint.read(TransUNetFixtures.mini.appendingPathComponent("transunet.pth"))
        try model.decoder.load(pth.subtree("decoder"))
        try model.segmentation_head.load(pth.subtree("segmentation_head"))
        try expectMatchesReference(model)
    }

    @Test func googleEncoderEqualsThePyTorchEncoderExactly() throws {
        let fromNPZ = try TransUNet(.cpuTiny, seed: 3)
        try GoogleCheckpoint.load(TransUNetFixtures.mini.appendingPathComponent("transunet.npz"), into: fromNPZ)
        let fromPth = try TransUNetFixtures.modelFromPyTorch()
        let reference = Dictionary(uniqueKeysWithValues: fromPth.transformer.stateDict().map { ($0.key, $0.value) })
        let loaded = fromNPZ.transformer.stateDict()
        #expect(loaded.count == 76)
        for (key, value) in loaded {
            #expect(value.shape == reference[key]?.shape && value.scalars == reference[key]?.scalars, "\(key)")
        }
    }

    @Test func safetensorsRoundTripKeepsEveryTensorAndTheConfig() throws {
        let model = try TransUNetFixtures.modelFromPyTorch()
        let folder = try TestPaths.temporaryDirectory("transunet")
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("mini.safetensors")
        try model.save(to: url)
        let checkpoint = try ModelCheckpoint<TransUNet>(contentsOf: url)
        #expect(checkpoint.storedConfig == .cpuTiny)
        let reloaded = try TransUNet(try #require(checkpoint.storedConfig), seed: 5)
        try reloaded.load(checkpoint)
        let original = model.stateDict(), copy = reloaded.stateDict()
        #expect(copy.map(\.key) == original.map(\.key))
        for (a, b) in zip(original, copy) {
            #expect(a.value.shape == b.value.shape && a.value.scalars == b.value.scalars, "\(a.key)")
        }
    }

    @Test func configIsInferredFromTheCheckpointShapes() throws {
        let pth = try PyTorchCheckpoint.read(TransUNetFixtures.mini.appendingPathComponent("transunet.pth"))
        #expect(try TransUNet.inferConfig(from: pth) == .cpuTiny)
        #expect(TransUNetConfig.cpuTiny.skipChannels == [256, 128, 32, 0])
    }
}
