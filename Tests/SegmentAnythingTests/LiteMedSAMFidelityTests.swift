import Formats
import Foundation
import Imaging
import NN
import SegmentAnything
import Tensor
import TestSupport
import Testing

/// LiteMedSAM with its real weights (`make models`) against the wheel's PyTorch code on a BUSI
/// image with a box (`../shared/fixtures/litemedsam_busi`, README "LiteMedSAM fixture"):
/// `SAM.load` reads the official `.pth`, TinyViT inferred from its keys, and the predictor runs
/// the LiteMedSAM recipe. PyTorch's own float32-vs-float64 differences there: embedding 2e-6,
/// low-res logits 2.7e-5, masks 5.1e-5.
@Suite(.enabled(if: TestPaths.hasShared, "needs ../shared (or ULTRAREFINER_SHARED)"))
struct LiteMedSAMFidelityTests {
    static let fixture = TestPaths.sharedFixtures.appendingPathComponent("litemedsam_busi")

    /// What `meta.json` records of the run.
    struct Meta: Decodable {
        var image: String
        var box: [Double]
    }

    static func array(_ name: String) throws -> Tensor {
        try ReferenceArrays.tensor(fixture.appendingPathComponent(name))
    }

    /// The fraction of pixels on which two logit maps agree about the sign (mask or not).
    static func agreement(_ a: Tensor, _ b: Tensor) -> Double {
        #expect(a.shape == b.shape)
        let same = zip(a.scalars, b.scalars).filter { ($0.0 > 0) == ($0.1 > 0) }.count
        return Double(same) / Double(max(a.count, 1))
    }

    @Test(.enabled(if: TestPaths.runsWithModel(TestPaths.liteMedSAM), "models/base/lite_medsam.pth is missing: run make models"))
    func predictorMatchesPyTorchInSingleAndMultiMaskMode() throws {
        let sam = try SAM.load(contentsOf: TestPaths.requireModel(TestPaths.liteMedSAM))
        #expect(sam.config == .liteMedSAM && sam.image_encoder is TinyViT)
        let meta = try JSONDecoder().decode(Meta.self, from: Data(contentsOf: Self.fixture.appendingPathComponent("meta.json")))
        let image = try PNG.readGray(TestPaths.busi.appendingPathComponent("malignant").appendingPathComponent(meta.image))
        let predictor = try SAMPredictor(model: sam, image: image, preprocessing: .liteMedSAM)

        let embedding = ReferenceArrays.maxAbsDifference(predictor.embedding, try Self.array("embedding.npy"))
        print("LiteMedSAM image embedding max|Δ| = \(embedding)")
        #expect(embedding <= 1e-4)

        let prompt = SAMPrompt(box: meta.box)
        let single = predictor.predict(prompt, multimask: false)
        let lowRes = ReferenceArrays.maxAbsDifference(single.lowRes, try Self.array("low_res.npy").squeezed(0))
        let iou = ReferenceArrays.maxAbsDifference(Tensor(single.iou), try Self.array("iou.npy").reshaped([-1]))
        let referenceMasks = try Self.array("masks.npy")
        let masks = Self.agreement(single.masks, referenceMasks)
        print("LiteMedSAM single mask: low-res max|Δ| = \(lowRes), IoU max|Δ| = \(iou), mask agreement = \(masks), "
              + "mask logits max|Δ| = \(ReferenceArrays.maxAbsDifference(single.masks, referenceMasks))")
        #expect(lowRes <= 1e-3 && iou <= 1e-4 && masks >= 0.9995)
        #expect(single.masks.shape == [1, image.height, image.width])

        let multi = predictor.predict(prompt, multimask: true)
        let referenceMulti = try Self.array("low_res_multi.npy")
        let lowResMulti = ReferenceArrays.maxAbsDifference(multi.lowRes, referenceMulti.squeezed(0))
        let iouMulti = ReferenceArrays.maxAbsDifference(Tensor(multi.iou), try Self.array("iou_multi.npy").reshaped([-1]))
        // The fixture keeps full-size masks for the single-mask call only; multi-mask ones are
        // the reference low-res logits through the postprocessing the single-mask case checks.
        let masksMulti = Self.agreement(multi.masks, predictor.input.postprocess(referenceMulti).squeezed(0))
        print("LiteMedSAM multimask: low-res max|Δ| = \(lowResMulti), IoU max|Δ| = \(iouMulti), mask agreement = \(masksMulti)")
        #expect(lowResMulti <= 1e-3 && iouMulti <= 1e-4 && masksMulti >= 0.9995)
    }
}
