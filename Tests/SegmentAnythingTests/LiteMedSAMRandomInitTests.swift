import Formats
import Foundation
import Imaging
import NN
import SegmentAnything
import Tensor
import TestSupport
import Testing

/// LiteMedSAM at a seeded random initialisation, with batch-norm statistics and attention
/// biases away from their defaults, against the wheel's PyTorch code
/// (`tools/make_litemedsam_random_fixtures.py`, which draws the same weights from a Python
/// twin of `SeededGenerator`, so only outputs are stored). The 41×30 test image grows to the
/// frame, so OpenCV's growing `INTER_AREA` path runs too (the BUSI fixture shrinks). Needs
/// neither the checkpoint nor the shared data, so it runs everywhere.
@Suite struct LiteMedSAMRandomInitTests {
    static let folder = TestPaths.fixtures.appendingPathComponent("litemedsam_random")
    static let seed: UInt64 = 20_240_613

    /// What `meta.json` records of the run.
    struct Meta: Decodable {
        var box: [Double]
        var float64_max_abs_difference: [String: Double]
    }

    /// FNV-1a of the key: each tensor's values depend on its name alone, not on walk order.
    static func fnv1a(_ text: String) -> UInt64 {
        text.utf8.reduce(0xCBF2_9CE4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01B3 }
    }

    /// The generator script's draw for `key`: running statistics and attention biases well
    /// away from their defaults, weights ±1/√fan-in, norm scales around 1, biases small.
    static func drawn(_ key: String, shape: [Int]) -> Tensor {
        let name = key.split(separator: ".").last.map(String.init) ?? key
        let count = shape.reduce(1, *)
        let range: (low: Double, high: Double)
        switch name {
        case "num_batches_tracked": return .zeros(shape)
        case "running_var": range = (0.5, 2)
        case "running_mean": range = (-0.5, 0.5)
        case "attention_biases": range = (-1, 1)
        default:
            if shape.count >= 2 {
                let bound = 1 / Double(shape.dropFirst().reduce(1, *)).squareRoot()
                range = (-bound, bound)
            } else {
                range = name == "weight" ? (0.5, 1.5) : (-0.2, 0.2)
            }
        }
        // Drawn in double and rounded once, as the script does.
        var generator = SeededGenerator(seed: fnv1a(key) ^ seed)
        return Tensor((0..<count).map { _ in Float(generator.uniform(range.low, range.high)) }, shape: shape)
    }

    static func randomised() -> SAM {
        let sam = SAM(config: .liteMedSAM)
        for (key, entry) in sam.namedEntries() {
            switch entry {
            case .parameter(let p): p.value = drawn(key, shape: p.shape)
            case .buffer(let b): b.value = drawn(key, shape: b.shape)
            }
        }
        return sam
    }

    static func array(_ name: String) throws -> Tensor {
        try ReferenceArrays.tensor(folder.appendingPathComponent(name))
    }

    /// The fraction of pixels where the mask (logits > 0) equals the reference mask PNG.
    static func agreement(_ logits: Tensor, _ png: String) throws -> Double {
        let reference = try PNG.readGray(folder.appendingPathComponent(png))
        #expect(logits.shape == [reference.height, reference.width])
        let same = zip(logits.scalars, reference.pixels).filter { ($0.0 > 0) == ($0.1 > 0) }.count
        return Double(same) / Double(max(reference.pixels.count, 1))
    }

    /// Every other pixel of each axis of (C, H, W) logits, as the fixture stores them.
    static func everyOther(_ lowRes: Tensor) -> Tensor {
        lowRes.slice(axis: 1, 0, nil, step: 2).slice(axis: 2, 0, nil, step: 2).unsqueezed(0)
    }

    @Test func predictorMatchesPyTorchInSingleAndMultiMaskMode() throws {
        let meta = try JSONDecoder().decode(Meta.self, from: Data(contentsOf: Self.folder.appendingPathComponent("meta.json")))
        let image = try PNG.readGray(TestPaths.fixtures.appendingPathComponent("sam/image.png"))
        let predictor = try SAMPredictor(model: Self.randomised(), image: image, preprocessing: .liteMedSAM)
        let floor = meta.float64_max_abs_difference

        let channels = Array(stride(from: 0, to: SAMConfig.promptEmbedDim, by: 32))
        let embedding = ReferenceArrays.maxAbsDifference(predictor.embedding.indexSelect(axis: 1, channels), try Self.array("embedding.npy"))
        print("LiteMedSAM random init: embedding max|Δ| = \(embedding) (PyTorch float32 vs float64: \(floor["embedding"] ?? .nan))")
        #expect(embedding <= 1e-4)

        let prompt = SAMPrompt(box: meta.box)
        for (multimask, suffix) in [(false, ""), (true, "_multi")] {
            let prediction = predictor.predict(prompt, multimask: multimask)
            let lowRes = ReferenceArrays.maxAbsDifference(Self.everyOther(prediction.lowRes), try Self.array("low_res\(suffix).npy"))
            let iou = ReferenceArrays.maxAbsDifference(Tensor(prediction.iou), try Self.array("iou\(suffix).npy").reshaped([-1]))
            let pngs = multimask ? (0..<3).map { "mask_multi_\($0).png" } : ["mask.png"]
            let masks = try pngs.enumerated().map { try Self.agreement(prediction.masks[index: $0.offset], $0.element) }.min() ?? 0
            print("LiteMedSAM random init\(suffix): low-res max|Δ| = \(lowRes) (float64: \(floor["low_res" + suffix] ?? .nan)), "
                  + "IoU max|Δ| = \(iou) (float64: \(floor["iou" + suffix] ?? .nan)), mask agreement = \(masks)")
            #expect(lowRes <= 1e-3 && iou <= 1e-4 && masks >= 0.9995, "multimask \(multimask)")
        }
    }
}
