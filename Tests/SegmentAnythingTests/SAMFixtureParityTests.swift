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
/// Bars (README "Noise floor"): embedding, sparse embeddings, low-res logits and IoU 1e-4,
/// full-size 1e-3.
@Suite struct SAMFixtureParityTests {
    static let cases = ["a_box", "b_box_points", "c_box_mask", "d_box_single"]

    /// The per-case arrays compared (README "Files written"): with the image embedding, 1 + 4 × 4
    /// = 17 entries of each folder's `meta.json` manifest.
    static let caseArrays = ["sparse_embeddings", "low_res_masks", "iou_predictions", "masks"]

    /// Manifest entries the shared copy does not hold: the square folder has no `b_box_points`
    /// case and no sparse embeddings, although its `meta.json` lists them.
    static let sharedCopyLacks: [String: Set<String>] = [
        "sam_tiny_square_sam": ["b_box_points/sparse_embeddings.npy", "b_box_points/low_res_masks.npy",
                                "b_box_points/iou_predictions.npy", "b_box_points/masks.npy",
                                "a_box/sparse_embeddings.npy", "c_box_mask/sparse_embeddings.npy",
                                "d_box_single/sparse_embeddings.npy"],
    ]

    static func array(_ url: URL) throws -> (shape: [Int], values: [Float]) {
        let a = try NPY.read(url)
        return (a.shape, a.floats())
    }

    static func maxAbsDifference(_ a: Tensor, _ reference: (shape: [Int], values: [Float])) -> Float {
        #expect(a.shape.reduce(1, *) == reference.values.count, "element counts differ: \(a.shape) vs \(reference.shape)")
        return zip(a.scalars, reference.values).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }

    /// The arrays of `caseArrays` and the image embedding that `meta.json` in `root` lists.
    static func manifestArrays(_ root: URL) throws -> Set<String> {
        let meta = try JSONSerialization.jsonObject(with: Data(contentsOf: root.appendingPathComponent("meta.json")))
        let files = try #require((meta as? [String: Any])?["files"] as? [String: Any], "meta.json lists no files")
        let compared = ["image_embedding.npy"] + cases.flatMap { c in caseArrays.map { "\(c)/\($0).npy" } }
        return Set(files.keys).intersection(compared)
    }

    /// Runs every case of one fixture folder and checks each output against its bar. Every array
    /// the manifest lists, less the shared copy's known gaps, must be compared: a missing file
    /// fails instead of shrinking the check.
    static func checkFixture(_ folder: String, preprocessing: SAMPreprocessing) throws {
        let root = TestPaths.sharedFixtures.appendingPathComponent(folder)
        let manifest = try manifestArrays(root)
        #expect(manifest.count == 1 + cases.count * caseArrays.count, "\(folder)/meta.json lists \(manifest.sorted())")
        let lacking = sharedCopyLacks[folder] ?? []
        for name in lacking.sorted() {
            #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent(name).path),
                    "\(folder)/\(name) is present now: drop it from sharedCopyLacks so it is compared")
        }
        let expected = manifest.subtracting(lacking)
        var compared: Set<String> = []

        // Both folders use the same weights; only sam_tiny/ holds the checkpoint.
        let model = try SAM.load(contentsOf: TestPaths.sharedFixtures.appendingPathComponent("sam_tiny/sam.pth"))
        #expect(model.config == SAMConfig.tiny, "config inferred from the checkpoint shapes")
        let image = try PNG.readGray(root.appendingPathComponent("image.png"))
        let predictor = try SAMPredictor(model: model, image: image, preprocessing: preprocessing)
        let embeddingDelta = maxAbsDifference(predictor.embedding, try array(root.appendingPathComponent("image_embedding.npy")))
        print("\(folder): image_embedding max|Δ| = \(embeddingDelta)")
        #expect(embeddingDelta <= 1e-4)
        compared.insert("image_embedding.npy")

        for name in cases where expected.contains(where: { $0.hasPrefix("\(name)/") }) {
            let folderURL = root.appendingPathComponent(name)
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
            let outputs: [(array: String, value: Tensor, bar: Float)] = [
                ("sparse_embeddings", prediction.sparseEmbeddings, 1e-4), ("low_res_masks", prediction.lowRes, 1e-4),
                ("iou_predictions", Tensor(prediction.iou), 1e-4), ("masks", prediction.masks, 1e-3),
            ]
            var line = "\(folder)/\(name):"
            for output in outputs where expected.contains("\(name)/\(output.array).npy") {
                let delta = maxAbsDifference(output.value, try array(folderURL.appendingPathComponent("\(output.array).npy")))
                line += " \(output.array) \(delta)"
                #expect(delta <= output.bar, "\(folder)/\(name) \(output.array)")
                compared.insert("\(name)/\(output.array).npy")
            }
            print(line)
            #expect(prediction.masks.shape == [json.multimask_output ? 3 : 1, image.height, image.width])
        }
        #expect(compared == expected, "\(folder): compared \(compared.sorted()), expected \(expected.sorted())")
    }

    @Test(.enabled(if: TestPaths.hasShared, "needs ../shared (or ULTRAREFINER_SHARED)"))
    func predictorModeMatchesOfficialSamPredictor() throws {
        try Self.checkFixture("sam_tiny", preprocessing: .samPredictor)
    }

    @Test(.enabled(if: TestPaths.hasShared, "needs ../shared (or ULTRAREFINER_SHARED)"))
    func squareModeWithSAMNormalisationMatchesReference() throws {
        try Self.checkFixture("sam_tiny_square_sam", preprocessing: .square(.sam))
    }
}
