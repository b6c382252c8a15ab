import Formats
import Foundation
import NN
import Tensor
import TestSupport
import Testing
import TransUNetModel

/// Inputs other than 224²: the position embeddings are fitted to the new grid as the original
/// `load_from` does (`scipy.ndimage.zoom(order=1)`), checked against `mini_160.npz` made by
/// `tools/transunet/make_fixtures.py` (an independent PyTorch re-implementation that first
/// reproduces the official fixture bit for bit).
@Suite(.enabled(if: TestPaths.hasSharedFixtures, "needs ../shared/fixtures"))
struct TransUNetInputSizeTests {
    static let reference = TransUNetFixtures.committed.appendingPathComponent("mini_160.npz")

    func referenceArray(_ key: String) throws -> Tensor {
        let array = try #require(try NPZ.read(Self.reference)[key])
        return Tensor(array.floats(), shape: array.shape)
    }

    @Test func positionEmbeddingsAreZoomedLikeScipy() throws {
        let model = try TransUNet(TransUNetConfig.cpuTiny.withImageSize(160))
        try model.load(ModelCheckpoint(contentsOf: TransUNetFixtures.mini.appendingPathComponent("transunet.pth")))
        let fitted = model.transformer.embeddings.position_embeddings.value
        // scipy works in double; our float32 weights differ by rounding only.
        #expect(maxAbsDifference(fitted, try referenceArray("position_embeddings")) <= 1e-6)
    }

    @Test func googleLoaderDropsTheClassTokenAndZoomsTheGrid() throws {
        let model = try TransUNet(TransUNetConfig.cpuTiny.withImageSize(160))
        try GoogleCheckpoint.load(TransUNetFixtures.mini.appendingPathComponent("transunet.npz"), into: model)
        #expect(maxAbsDifference(model.transformer.embeddings.position_embeddings.value,
                                 try referenceArray("position_embeddings")) <= 1e-6)
    }

    @Test func forwardAt160MatchesTheReference() throws {
        let model = try TransUNet(TransUNetConfig.cpuTiny.withImageSize(160))
        try model.load(ModelCheckpoint(contentsOf: TransUNetFixtures.mini.appendingPathComponent("transunet.pth")))
        let input = try TransUNetFixtures.array("input.npy").slice(axis: 2, 0, 160).slice(axis: 3, 0, 160)
        let (logits, encoded, _) = noGrad { model.logitsAndIntermediates(input) }
        let probability = noGrad { logits.foregroundProbability() }
        #expect(maxAbsDifference(probability, try referenceArray("prob_fg")) <= 2e-5)
        #expect(maxAbsDifference(encoded, try referenceArray("encoded")) <= 1e-3)
    }
}
