import Formats
import Foundation
import Imaging
import Pixels
import SegmentAnything
import Testing
import Training

@Suite struct GroundTruthBoxTests {
    /// A non-square mask, so a swapped x and y would show; foreground touches the last column.
    @Test func boxIsTheInclusiveExtentOfTheForeground() {
        var mask = Raster<UInt8>(width: 20, height: 12, repeating: 0)
        mask[2, 7] = 255
        mask[9, 3] = 1  // any nonzero value is lesion
        mask[5, 19] = 255
        #expect(GroundTruthBoxEvaluation.box(of: mask) == [3, 2, 19, 9])
    }

    @Test func onePixelIsABoxOfZeroExtent() {
        var mask = Raster<UInt8>(width: 8, height: 8, repeating: 0)
        mask[6, 4] = 255
        #expect(GroundTruthBoxEvaluation.box(of: mask) == [4, 6, 4, 6])
    }

    @Test func emptyMaskHasNoBox() {
        #expect(GroundTruthBoxEvaluation.box(of: Raster<UInt8>(width: 8, height: 8, repeating: 0)) == nil)
    }
}

/// SAM alone over a prepared phantom split with a small random-weight model: each case is
/// prompted with its own mask's box, an empty mask is skipped and counted, an unreadable
/// image is a failure, and the files say so.
@Test func groundTruthBoxEvaluationPromptsWithEachTruthBox() throws {
    let phantoms = try PhantomFolds(count: 15, label: "evaluation-gt-box")
    defer { phantoms.remove() }
    var config = SAMConfig.tiny
    config.imageSize = 256
    let sam = SAM(config: config, seed: 11)
    let split = try EvaluationSplit.resolve("test", dataset: phantoms.dataset)
    try #require(split.cases.count >= 3)
    let test = phantoms.dataset.appendingPathComponent("test")
    let broken = split.cases[0], normal = split.cases[1]
    try Data("not a png".utf8).write(to: test.appendingPathComponent("images/\(broken).png"))
    try PNG.write(Raster<UInt8>(width: 64, height: 64, repeating: 0), to: test.appendingPathComponent("masks/\(normal).png"))

    var report = GroundTruthBoxReport(provenance: ["SAM: tiny"])
    var heard: [Int] = []
    GroundTruthBoxEvaluation.run(sam: sam, preprocessing: .samPredictor, dataset: phantoms.dataset, split: split,
                                 into: &report) { position, _, _ in heard.append(position) }
    #expect(heard == Array(1...split.cases.count))
    #expect(report.failures.map(\.name) == [broken])
    #expect(report.skipped == [normal])
    #expect(report.cases.map(\.name) == Array(split.cases.dropFirst(2)))

    for evaluated in report.cases {
        let image = try PNG.readGray(test.appendingPathComponent("images/\(evaluated.name).png"))
        let truth = try PNG.readGray(test.appendingPathComponent("masks/\(evaluated.name).png"))
        // The extent counted here, independently of `box(of:)`.
        let xs = (0..<truth.planeSize).filter { truth.pixels[$0] != 0 }.map { $0 % truth.width }
        let ys = (0..<truth.planeSize).filter { truth.pixels[$0] != 0 }.map { $0 / truth.width }
        let expected = [xs.min()!, ys.min()!, xs.max()!, ys.max()!].map(Double.init)
        #expect(evaluated.box == expected)
        // The metrics are those of the predictor's best mask for that box.
        let predictor = try SAMPredictor(model: sam, image: image, preprocessing: .samPredictor)
        let prediction = predictor.predict(SAMPrompt(box: expected))
        #expect(evaluated.metrics == SegmentationMetrics(prediction: prediction.bestMask, groundTruth: truth))
        // Guard against a vacuous check: this model's output does depend on the box.
        #expect(predictor.predict(SAMPrompt(box: [0, 0, 63, 63])).masks.scalars != prediction.masks.scalars)
    }

    let out = phantoms.root.appendingPathComponent("gt-box")
    try report.write(to: out)
    #expect(Set(try FileManager.default.contentsOfDirectory(atPath: out.path)) == Set(GroundTruthBoxReport.fileNames))
    let csv = parseCSV(try String(contentsOf: out.appendingPathComponent("metrics.csv"), encoding: .utf8))
    #expect(csv.count == 1 + report.cases.count)
    #expect(Array(csv[0].prefix(6)) == ["name", "box_x0", "box_y0", "box_x1", "box_y1", "dice"])
    #expect(csv.dropFirst().map { Array($0.prefix(5)) }
            == report.cases.map { [$0.name] + $0.box.map { "\($0)" } })
    #expect(csv.dropFirst().map { Double($0[5]) } == report.cases.map(\.metrics.dice))

    let summary = try String(contentsOf: out.appendingPathComponent("summary.md"), encoding: .utf8)
    #expect(summary.contains("- SAM: tiny"))
    #expect(summary.contains("Images evaluated: \(report.cases.count); skipped (empty ground truth, no box): 1; failed: 1"))
    #expect(summary.contains("## Images skipped (empty ground truth)\n\n- \(normal)\n"))
    #expect(summary.contains("- \(broken): "))
    let dice = report.cases.map(\.metrics.dice), mean = dice.reduce(0, +) / Double(dice.count)
    let sd = dice.count < 2 ? 0 : (dice.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(dice.count - 1)).squareRoot()
    #expect(summary.contains(String(format: "| Dice | %.4f ± %.4f (", mean, sd)))
}
