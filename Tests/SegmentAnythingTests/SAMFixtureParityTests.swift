import Formats
import Foundation
import Imaging
import SegmentAnything
import Tensor
import TestSupport
import Testing

/// The prompts of one fixture case, as the generator wrote them (`prompts.json`).
private struct FixturePrompts: Decodable {
    var multimask_output: Bool
    var point_coords: [[Double]]?
    var point_labels: [Int]?
    var box: [Double]?
    var mask_input: String?
    var model_frame_point_coords: [[Float]]?
    var model_frame_box: [Float]?
}

/// Reproduces the official `segment_anything` outputs stored in `../shared/fixtures`: the tiny
/// checkpoint is read from its `.pth`, the image from its PNG, and every stage is compared.
/// Bars (README "Noise floor"): embedding and low-res logits 1e-4, IoU 1e-4, full-size 1e-3.
@Suite struct SAMFixtureParityTests {
    static let cases = ["a_box", "b_box_points", "c_box_mask", "d_box_single"]

    static func array(_ url: URL) throws -> (shape: [Int], values: [Float]) {
        let a = try NPY.read(url)
        return (a.shape, a.floats())
    }

    static func maxAbsDifference(_ a: Tensor, _ reference: (shape: [Int], values: [Float])) -> Float {
        #expect(a.shape.reduce(1, *) == reference.values.count, "element counts differ: \(a.shape) vs \(reference.shape)")
        return zip(a.scalars, reference.values).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }

    /// Runs every case of one fixture folder and checks each output against its bar.
    static func checkFixture(_ folder: String, preprocessing: SAMPreprocessing) throws {
        let root = TestPaths.sharedFixtures.appendingPathComponent(folder)
        // Both folders use the same weights; only sam_tiny/ holds the checkpoint.
        let model = try SAM.load(contentsOf: TestPaths.sharedFixtures.appendingPathComponent("sam_tiny/sam.pth"))
        #expect(model.config == SAMConfig.tiny, "config inferred from the checkpoint shapes")
        let image = try PNG.readGray(root.appendingPathComponent("image.png"))
        let predictor = try SAMPredictor(model: model, image: image, preprocessing: preprocessing)
        let embeddingDelta = maxAbsDifference(predictor.embedding, try array(root.appendingPathComponent("image_embedding.npy")))
        print("\(folder): image_embedding max|Δ| = \(embeddingDelta)")
        #expect(embeddingDelta <= 1e-4)

        for name in cases {
            let folderURL = root.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: folderURL.path) else { continue }
            let json = try JSONDecoder().decode(FixturePrompts.self, from: Data(contentsOf: folderURL.appendingPathComponent("prompts.json")))
            var prompt = SAMPrompt()
            if let coords = json.point_coords, let labels = json.point_labels {
                prompt.points = zip(coords, labels).map { SAMPrompt.Point(x: $0.0[0], y: $0.0[1], label: PointLabel(rawValue: $0.1)!) }
            }
            prompt.box = json.box
            if json.mask_input != nil {
                let mask = try array(folderURL.appendingPathComponent("mask_input.npy"))
                prompt.maskInput = Tensor(mask.values, shape: mask.shape)
            }
            // The prompt mapping must give exactly the float32 values the reference fed.
            let tensors = predictor.promptTensors(prompt)
            if let box = json.model_frame_box { #expect(tensors.boxes?.scalars == box, "\(folder)/\(name) model-frame box") }
            if let points = json.model_frame_point_coords {
                #expect(tensors.points?.scalars == points.flatMap { $0 }, "\(folder)/\(name) model-frame points")
            }

            let prediction = predictor.predict(prompt, multimask: json.multimask_output)
            let lowRes = maxAbsDifference(prediction.lowRes, try array(folderURL.appendingPathComponent("low_res_masks.npy")))
            let iou = maxAbsDifference(Tensor(prediction.iou), try array(folderURL.appendingPathComponent("iou_predictions.npy")))
            let masks = maxAbsDifference(prediction.masks, try array(folderURL.appendingPathComponent("masks.npy")))
            var line = "\(folder)/\(name): low_res \(lowRes), iou \(iou), masks \(masks)"
            let sparseURL = folderURL.appendingPathComponent("sparse_embeddings.npy")
            if FileManager.default.fileExists(atPath: sparseURL.path) {
                let sparse = maxAbsDifference(prediction.sparseEmbeddings, try array(sparseURL))
                line += ", sparse \(sparse)"
                #expect(sparse <= 1e-4, "\(folder)/\(name) sparse embeddings")
            }
            print(line)
            #expect(lowRes <= 1e-4, "\(folder)/\(name) low-res logits")
            #expect(iou <= 1e-4, "\(folder)/\(name) IoU predictions")
            #expect(masks <= 1e-3, "\(folder)/\(name) full-size logits")
            #expect(prediction.masks.shape == [json.multimask_output ? 3 : 1, image.height, image.width])
        }
    }

    @Test(.enabled(if: TestPaths.hasSharedFixtures, "needs ../shared/fixtures"))
    func predictorModeMatchesOfficialSamPredictor() throws {
        try Self.checkFixture("sam_tiny", preprocessing: .samPredictor)
    }

    @Test(.enabled(if: TestPaths.hasSharedFixtures, "needs ../shared/fixtures"))
    func squareModeWithSAMNormalisationMatchesReference() throws {
        try Self.checkFixture("sam_tiny_square_sam", preprocessing: .square(.sam))
    }
}
