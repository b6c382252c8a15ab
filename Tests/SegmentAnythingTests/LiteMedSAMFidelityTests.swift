import Formats
import Foundation
import NN
import SegmentAnything
import Tensor
import TestSupport
import Testing

/// LiteMedSAM with its real weights (`make models`) against the wheel's PyTorch code on a BUSI
/// image (`../shared/fixtures/litemedsam_busi`, README "LiteMedSAM fixture"). PyTorch's own
/// float32-vs-float64 difference there is 2e-6 on the embedding.
@Suite(.enabled(if: TestPaths.hasShared, "needs ../shared (or ULTRAREFINER_SHARED)"))
struct LiteMedSAMFidelityTests {
    static let fixture = TestPaths.sharedFixtures.appendingPathComponent("litemedsam_busi")

    static func array(_ name: String) throws -> Tensor {
        let array = try NPY.read(fixture.appendingPathComponent(name))
        return Tensor(array.floats(), shape: array.shape)
    }

    static func maxAbsDifference(_ a: Tensor, _ b: Tensor) -> Float {
        #expect(a.shape == b.shape)
        return zip(a.scalars, b.scalars).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }

    @Test(.enabled(if: TestPaths.runsWithModel(TestPaths.liteMedSAM), "models/base/lite_medsam.pth is missing: run make models"))
    func imageEmbeddingMatchesPyTorch() throws {
        let checkpoint = try PyTorchCheckpoint.read(TestPaths.requireModel(TestPaths.liteMedSAM)).subtree("image_encoder")
        let config = try TinyViT.inferConfig(from: checkpoint)
        #expect(config == .liteMedSAM)
        var generator = SeededGenerator(seed: 0)
        let encoder = TinyViT(config: config, generator: &generator)
        try encoder.load(checkpoint)
        let embedding = noGrad { encoder(try! Self.array("input.npy")) }
        let delta = Self.maxAbsDifference(embedding, try Self.array("embedding.npy"))
        print("LiteMedSAM image embedding max|Δ| = \(delta)")
        #expect(delta <= 1e-4)
    }
}
