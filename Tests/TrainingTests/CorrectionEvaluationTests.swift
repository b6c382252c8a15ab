import Formats
import Foundation
import Imaging
import Pixels
import Refiners
import SegmentAnything
import Testing
@testable import Training

/// The interactive protocol over a prepared phantom split with small random models: every
/// case with a lesion gets Dice after 0…N clicks for both methods, round 0 is SAM's own
/// ground-truth-box mask, and the report's files and NoC counts follow from the values.
@Test func interactiveEvaluationMeasuresBothMethodsAfterEveryClick() throws {
    let phantoms = try PhantomFolds(count: 10, label: "evaluation-clicks")
    defer { phantoms.remove() }
    var config = SAMConfig.tiny
    config.imageSize = 256
    let sam = SAM(config: config, seed: 11)
    let corrector = GRUCorrector(config: GRUCorrectorConfig(pointsPerSet: 16, hiddenSize: 8, radius: 2, gridSide: 64), seed: 3)
    let split = try EvaluationSplit.resolve("test", dataset: phantoms.dataset)
    let test = phantoms.dataset.appendingPathComponent("test")
    let normal = split.cases[0]
    try PNG.write(Raster<UInt8>(width: 64, height: 64, repeating: 0), to: test.appendingPathComponent("masks/\(normal).png"))

    var report = CorrectionReport(clicks: 3)
    CorrectionEvaluation.run(sam: sam, preprocessing: .samPredictor, corrector: corrector, dataset: phantoms.dataset,
                             split: split, cache: nil, into: &report)
    #expect(report.skipped == [normal] && report.failures.isEmpty)
    #expect(report.cases.map(\.name) == Array(split.cases.dropFirst()))
    for evaluated in report.cases {
        #expect(evaluated.corrector.count == 4 && evaluated.sam.count == 4)
        #expect((evaluated.corrector + evaluated.sam).allSatisfy { (0...1).contains($0) })
        let image = try PNG.readGray(test.appendingPathComponent("images/\(evaluated.name).png"))
        let truth = try PNG.readGray(test.appendingPathComponent("masks/\(evaluated.name).png"))
        let box = try #require(GroundTruthBoxEvaluation.box(of: truth))
        let predictor = try SAMPredictor(model: sam, image: image, preprocessing: .samPredictor)
        #expect(evaluated.sam[0] == Overlap.dice(predictor.predict(SAMPrompt(box: box)).bestMask, truth))
    }

    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ultrarefiner-clicks-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: folder) }
    try report.write(to: folder)
    let csv = try String(contentsOf: folder.appendingPathComponent("metrics.csv"), encoding: .utf8).split(separator: "\n")
    #expect(csv.first == "name,corrector_0,corrector_1,corrector_2,corrector_3,sam_0,sam_1,sam_2,sam_3")
    #expect(csv.count == report.cases.count + 1)
    let curve = try PNG.read(folder.appendingPathComponent("noc_curve.png"))
    #expect(curve.width > 300 && curve.height > 300)
}

@Test func clicksToReachAThresholdAreCappedAtTheBudget() {
    #expect(CorrectionReport.clicksToReach(0.9, [0.95, 0.5]) == 0)
    #expect(CorrectionReport.clicksToReach(0.9, [0.5, 0.8, 0.91, 0.7]) == 2)
    #expect(CorrectionReport.clicksToReach(0.9, [0.5, 0.8, 0.85]) == 2)
}
