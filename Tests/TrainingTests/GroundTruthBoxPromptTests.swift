import Pixels
import SegmentAnything
import Tensor
import Testing
@testable import Training

/// Phase 2's ground-truth-box prompts: the tight box mapped into the model's frame, its seeded
/// outward jitter, and the box-as-mask the validation table compares against.
struct GroundTruthBoxPromptTests {
    /// A 100×60 image whose lesion covers columns 20…49 and rows 10…29, in LiteMedSAM's
    /// 256² longest-side frame (scale 2.56, content 256×154), on a 32² coarse grid.
    func lesionCase() throws -> RefinerCase {
        var mask = Raster<UInt8>(width: 100, height: 60, pixels: [UInt8](repeating: 0, count: 6000))
        for y in 10...29 { for x in 20...49 { mask[y, x] = 255 } }
        let image = Raster<UInt8>(width: 100, height: 60, pixels: (0..<6000).map { UInt8($0 % 251) })
        var config = SAMConfig.tiny
        config.imageSize = 256
        let setup = RefinerCase.Setup(sam: SAM(config: config, seed: 1), preprocessing: .liteMedSAM, frozenEncoder: false,
                                      cache: nil, coarseSide: 32, transunet: nil)
        return try RefinerCase(name: "lesion", image: image, mask: mask, setup: setup)
    }

    @Test func tightBoxIsTheLesionsExtentInTheModelFrame() throws {
        let item = try lesionCase()
        let box = try #require(item.groundTruthBoxPrompt(shift: 5, jitter: nil).boxes)
        #expect(box.shape == [1, 4])
        // Inclusive last pixel, as SAM's and MedSAM's ground-truth boxes, times 256/100.
        let expected: [Float] = [20, 10, 49, 29].map { $0 * 2.56 }
        for (a, b) in zip(box.scalars, expected) { #expect(abs(a - b) < 1e-4) }
    }

    /// Every side moves outwards by a whole 0…shift pixels, each value drawn, and never past
    /// the image's part of the frame; the draws are a function of the generator alone.
    @Test func jitterMovesEachSideOutwardsByUpToShiftPixels() throws {
        var mask = Raster<UInt8>(width: 100, height: 60, pixels: [UInt8](repeating: 0, count: 6000))
        for y in 0...29 { for x in 20...99 { mask[y, x] = 255 } }
        let item = try lesionCase()
        let tight = try #require(item.groundTruthBoxPrompt(shift: 0, jitter: SeededGenerator(seed: 1)).boxes).scalars
        var seen: [Set<Float>] = Array(repeating: [], count: 4)
        for sample in 0..<200 {
            let jitter = SeededGenerator(seed: 42).derived(UInt64(sample))
            let box = try #require(item.groundTruthBoxPrompt(shift: 3, jitter: jitter).boxes).scalars
            #expect(box == item.groundTruthBoxPrompt(shift: 3, jitter: jitter).boxes?.scalars)
            let moves = [tight[0] - box[0], tight[1] - box[1], box[2] - tight[2], box[3] - tight[3]]
            for side in 0..<4 { seen[side].insert((moves[side] * 1e3).rounded() / 1e3) }
        }
        for side in 0..<4 { #expect(seen[side] == [0, 1, 2, 3], "side \(side) moved by \(seen[side].sorted())") }

        // A lesion at the image's top-right corner: the box stays inside the content (256×154).
        let corner = try RefinerCase(name: "corner", image: item.image!, mask: mask, setup: RefinerCase.Setup(
            sam: SAM(config: { var c = SAMConfig.tiny; c.imageSize = 256; return c }(), seed: 1), preprocessing: .liteMedSAM,
            frozenEncoder: false, cache: nil, coarseSide: 32, transunet: nil))
        for sample in 0..<50 {
            let box = try #require(corner.groundTruthBoxPrompt(shift: 20, jitter: SeededGenerator(seed: 7).derived(UInt64(sample))).boxes).scalars
            #expect(box[0] >= 0 && box[1] >= 0 && box[2] <= 256 && box[3] <= Float(corner.input.frame.content.h))
        }
    }

    /// The validation's "coarse" map is the filled tight box on the coarse grid: it covers the
    /// whole lesion and nothing outside its box.
    @Test func boxOnCoarseGridIsTheFilledBoundingBoxOfTheTruth() throws {
        let item = try lesionCase()
        let map = item.groundTruthBoxOnCoarseGrid
        #expect(map.shape == [1, 32, 32])
        let truth = item.truthOnCoarseGrid
        let box = try #require(GroundTruthBoxEvaluation.box(of: truth))
        for y in 0..<32 {
            for x in 0..<32 {
                let inside = Double(x) >= box[0] && Double(x) <= box[2] && Double(y) >= box[1] && Double(y) <= box[3]
                #expect(map.scalars[y * 32 + x] == (inside ? 1 : 0))
                if truth[y, x] > 0 { #expect(inside) }
            }
        }
    }
}
