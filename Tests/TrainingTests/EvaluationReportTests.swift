import Datasets
import Formats
import Foundation
import Imaging
import Inference
import Pixels
import SegmentAnything
import TestSupport
import Testing
import Training
import TransUNetModel

/// Metrics with chosen overlap values (distances from a real pair of masks, then overridden).
func handMadeMetrics(dice: Double, iou: Double = 0.5, precision: Double = 0.6, recall: Double = 0.7,
                     accuracy: Double = 0.9, hd95: Double? = 3.5) -> SegmentationMetrics {
    let one = Raster<UInt8>(width: 1, height: 1, pixels: [255])
    var metrics = SegmentationMetrics(prediction: one, groundTruth: one)
    metrics.dice = dice
    metrics.iou = iou
    metrics.precision = precision
    metrics.recall = recall
    metrics.accuracy = accuracy
    metrics.hd95 = hd95
    return metrics
}

/// A square mask of `side`² with foreground in [x0, x1) × [y0, y1).
func squareMask(side: Int, x0: Int, y0: Int, x1: Int, y1: Int) -> Raster<UInt8> {
    var mask = Raster<UInt8>(width: side, height: side, repeating: 0)
    for y in y0..<y1 { for x in x0..<x1 { mask[y, x] = 255 } }
    return mask
}

/// Splits CSV text into rows of fields, honouring quoted fields with doubled quotes.
func parseCSV(_ text: String) -> [[String]] {
    var rows: [[String]] = [], row: [String] = [], field = "", quoted = false
    var characters = Array(text)[...]
    while let c = characters.popFirst() {
        if quoted {
            if c == "\"" {
                if characters.first == "\"" { field.append("\""); characters.removeFirst() } else { quoted = false }
            } else { field.append(c) }
        } else if c == "\"" { quoted = true
        } else if c == "," { row.append(field); field = ""
        } else if c == "\n" { row.append(field); rows.append(row); row = []; field = ""
        } else { field.append(c) }
    }
    return rows
}

@Suite struct CoarseRefinedComparisonTests {
    let comparison = CoarseRefinedComparison(
        coarse: [handMadeMetrics(dice: 0.5, iou: 0.4), handMadeMetrics(dice: 0.7, iou: 0.6)],
        refined: [handMadeMetrics(dice: 0.8, iou: 0.7, recall: 0.9), handMadeMetrics(dice: 0.7, iou: 0.5, recall: 0.8)])

    @Test func meansAndDeltasPerMetric() {
        #expect(comparison.count == 2)
        #expect(comparison.rows.map(\.key) == ["dice", "iou", "precision", "recall", "accuracy"])
        let dice = comparison.rows[0], iou = comparison.rows[1], recall = comparison.rows[3]
        #expect(abs(dice.coarse - 0.6) < 1e-12 && abs(dice.refined - 0.75) < 1e-12)
        #expect(abs(comparison.meanDiceImprovement - 0.15) < 1e-12)
        #expect(abs(iou.delta - 0.1) < 1e-12)
        #expect(abs(recall.delta - 0.15) < 1e-12)
        #expect(comparison.rows[2].delta == 0)
    }

    @Test func tablePrintsEveryRowAndTheImprovement() {
        let lines = comparison.table.split(separator: "\n").map(String.init)
        #expect(lines.count == 7)
        #expect(lines[1] == "Dice         0.6000   0.7500  +0.1500")
        #expect(lines[4] == "Recall       0.7000   0.8500  +0.1500")
        #expect(lines[6] == "Mean Dice improvement: +0.1500 over 2 images")
    }

    @Test func scalarsCarryThePrefix() {
        let scalars = comparison.scalars(prefix: "val")
        #expect(scalars.count == 15)
        #expect(scalars["val_coarse/dice"] == comparison.rows[0].coarse)
        #expect(scalars["val_refined/iou"] == comparison.rows[1].refined)
        #expect(abs(scalars["val_delta/dice"]! - 0.15) < 1e-12)
        #expect(comparison.scalars(prefix: "test").keys.allSatisfy { $0.hasPrefix("test_") })
    }

    @Test func noImagesGiveZeroMeans() {
        let empty = CoarseRefinedComparison(coarse: [], refined: [])
        #expect(empty.rows.allSatisfy { $0.coarse == 0 && $0.refined == 0 })
        #expect(empty.table.hasSuffix("over 0 images"))
    }
}

@Suite struct EvaluationReportTests {
    let blank = Raster<UInt8>(width: 8, height: 8, repeating: 100)
    let noMask = Raster<UInt8>(width: 8, height: 8, repeating: 0)

    /// A report of hand-made cases with these coarse and refined Dice values.
    func report(_ dice: [(String, Double, Double)]) -> EvaluationReport {
        var report = EvaluationReport(tileSide: 16)
        for (name, coarse, refined) in dice {
            report.add(EvaluatedCase(name: name, coarse: handMadeMetrics(dice: coarse), refined: handMadeMetrics(dice: refined)),
                       image: blank, truth: noMask, coarse: noMask, refined: noMask)
        }
        return report
    }

    @Test func csvRoundTripsEveryNumber() throws {
        var report = EvaluationReport(tileSide: 16)
        let truth = squareMask(side: 20, x0: 4, y0: 4, x1: 14, y1: 14)
        report.add(name: "benign (1), left", image: truth, truth: truth,
                   coarse: squareMask(side: 20, x0: 6, y0: 5, x1: 16, y1: 12), refined: truth)
        report.add(name: "say \"none\"", image: truth, truth: truth, coarse: noMask.resizedNearest(width: 20, height: 20),
                   refined: squareMask(side: 20, x0: 3, y0: 4, x1: 14, y1: 15))
        let rows = parseCSV(report.metricsCSV)
        #expect(rows.count == 3)
        #expect(rows[0].count == 17 && rows[0][0] == "name" && rows[0][1] == "coarse_dice" && rows[0][16] == "refined_nsd")
        #expect(rows[1][0] == "benign (1), left" && rows[2][0] == "say \"none\"")
        for (row, evaluated) in zip(rows.dropFirst(), report.cases) {
            let expected: [Double?] = [evaluated.coarse, evaluated.refined].flatMap { m in
                [m.dice, m.iou, m.precision, m.recall, m.accuracy, m.hd95, m.asd, m.nsd]
            }
            #expect(row.dropFirst().map { $0.isEmpty ? nil : Double($0) } == expected)
        }
        // An empty coarse mask has no surface distances: empty cells, not numbers.
        #expect(rows[2][6] == "" && rows[2][7] == "")
        #expect(report.cases[0].refined.dice == 1 && report.cases[1].coarse.dice == 0)
    }

    @Test func summaryCountsBetterAndWorse() {
        let report = report([("a", 0.5, 0.7), ("b", 0.5, 0.56), ("c", 0.5, 0.5), ("d", 0.5, 0.47), ("e", 0.5, 0.4)])
        #expect(report.changeCounts == (better: 2, worse: 1, unchanged: 2))
        let summary = report.summaryMarkdown
        #expect(summary.contains("- Better by more than 0.05: 2\n"))
        #expect(summary.contains("- Worse by more than 0.05: 1\n"))
        #expect(summary.contains("- Within ±0.05: 2\n"))
        // Refined Dice 0.7, 0.56, 0.5, 0.47, 0.4: mean 0.526, sample sd 0.1130, median 0.5.
        #expect(summary.contains("| Dice | 0.5000 ± 0.0000 (0.5000) | 0.5260 ± 0.1130 (0.5000) | +0.0260 |"), "\(summary)")
    }

    @Test func summaryListsFailuresAndCountsDefinedDistances() {
        var report = report([("a", 0.5, 0.7)])
        report.add(EvaluatedCase(name: "b", coarse: handMadeMetrics(dice: 0, hd95: nil), refined: handMadeMetrics(dice: 0.2)),
                   image: blank, truth: noMask, coarse: noMask, refined: noMask)
        report.addFailure(name: "broken", reason: "not a PNG")
        let summary = report.summaryMarkdown
        #expect(summary.contains("- Images evaluated: 2; failed: 1"))
        #expect(summary.contains("- broken: not a PNG"))
        #expect(summary.contains("| HD95 (px) | 3.5000 ± 0.0000 (3.5000), n=1 | 3.5000 ± 0.0000 (3.5000) | +0.0000, n=1 |"), "\(summary)")
    }

    @Test func gridsKeepTheEightWorstAndMostImproved() {
        // Refined Dice i/20, plus 0.43 for every third case, so the two orders differ from the names'.
        let dice: [(String, Double, Double)] = (0..<12).map { (i: Int) in
            let bonus = i % 3 == 0 ? 0.43 : 0
            return ("case\(i)", 0.5, Double(i) / 20 + bonus)
        }
        let report = report(dice)
        let byRefined: [String] = dice.sorted { $0.2 < $1.2 }.prefix(8).map { $0.0 }
        let byGain: [String] = dice.sorted { ($0.2 - $0.1) > ($1.2 - $1.1) }.prefix(8).map { $0.0 }
        #expect(report.worstNames == byRefined)
        #expect(report.improvedNames == byGain)
        #expect(report.cases.count == 12)
    }

    @Test func figuresAreRGBPNGsWithTheContourColours() throws {
        let folder = try TestPaths.temporaryDirectory("evaluation-figures")
        defer { try? FileManager.default.removeItem(at: folder) }
        var report = EvaluationReport(tileSide: 64)
        let side = 64
        let image = Raster<UInt8>(width: side, height: side, pixels: (0..<side * side).map { UInt8($0 % 200) })
        for index in 0..<3 {
            report.add(name: "case \(index)", image: image, truth: squareMask(side: side, x0: 10, y0: 10, x1: 40, y1: 40),
                       coarse: squareMask(side: side, x0: 20 + index, y0: 5, x1: 55, y1: 30),
                       refined: squareMask(side: side, x0: 15, y0: 15, x1: 45 - index, y1: 50))
        }
        try report.write(to: folder)
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        #expect(Set(names) == Set(EvaluationReport.fileNames), "no temporaries left: \(names)")

        let sizes = ["scatter_dice.png": (410, 420), "delta_histogram.png": (480, 310),
                     "cases_worst.png": (296, 36 + 64 + 24 + 8), "cases_improved.png": (296, 36 + 64 + 24 + 8)]
        for (name, size) in sizes {
            let info = try PNG.info(folder.appendingPathComponent(name))
            #expect(info.width == size.0 && info.height == size.1 && info.channels == 3, "\(name): \(info)")
        }
        let grid = try PNG.read(folder.appendingPathComponent("cases_worst.png"))
        func count(_ color: RGBColor, rows: Range<Int>) -> Int {
            rows.reduce(0) { total, y in
                total + (0..<grid.width).filter { x in
                    grid[0, y, x] == color.red && grid[1, y, x] == color.green && grid[2, y, x] == color.blue
                }.count
            }
        }
        let tiles = 36..<(36 + 64)
        for color in [EvaluationColors.truth, EvaluationColors.coarse, EvaluationColors.refined] {
            #expect(count(color, rows: tiles) > 50, "\(color) contours in the tiles")
            #expect(count(color, rows: 20..<28) > 0, "\(color) in the legend")
        }
        // The first tile's truth contour is the square's outline, at its place in the tile.
        #expect(grid[1, 36 + 10, 8 + 10] == EvaluationColors.truth.green && grid[0, 36 + 10, 8 + 10] == 0)
        // Inside all three masks there is no contour, only the gray image.
        let inside = (grid[0, 36 + 25, 8 + 30], grid[1, 36 + 25, 8 + 30], grid[2, 36 + 25, 8 + 30])
        #expect(inside.0 == inside.1 && inside.1 == inside.2)

        let scatter = try PNG.read(folder.appendingPathComponent("scatter_dice.png"))
        // A point for (coarse 0.x, refined 0.y) sits in the plot: 50 + v·339 across, 30 + 339 − v·339 down.
        let first = report.cases[0]
        let px = 50 + Int((first.coarse.dice * 339).rounded()), py = 30 + 339 - Int((first.refined.dice * 339).rounded())
        let pixel = (scatter[0, py, px], scatter[1, py, px], scatter[2, py, px])
        #expect(!(pixel.0 == 255 && pixel.1 == 255 && pixel.2 == 255), "a marker at \(px),\(py)")
    }

    @Test func emptyReportStillWritesEveryFile() throws {
        let folder = try TestPaths.temporaryDirectory("evaluation-empty")
        defer { try? FileManager.default.removeItem(at: folder) }
        try EvaluationReport().write(to: folder)
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: folder.path)) == Set(EvaluationReport.fileNames))
        #expect(parseCSV(try String(contentsOf: folder.appendingPathComponent("metrics.csv"), encoding: .utf8)).count == 1)
    }
}

/// The chain over a prepared phantom dataset with small random-weight models: every test
/// image is evaluated, a corrupt one is counted as a failure, and the report is written.
@Test func datasetEvaluationRunsTheChainOnASplit() throws {
    let phantoms = try PhantomFolds(count: 15, label: "evaluation-chain")
    defer { phantoms.remove() }
    let transunet = phantoms.root.appendingPathComponent("transunet.safetensors")
    let sam = phantoms.root.appendingPathComponent("sam.safetensors")
    try TransUNet(.cpuTiny, seed: 7).save(to: transunet)
    var config = SAMConfig.tiny
    config.imageSize = 256
    try SAM(config: config, seed: 11).save(to: sam)
    let models = try RefinementModels(transunet: transunet, sam: sam, samPreprocessing: .square(.sam))

    let split = try EvaluationSplit.resolve("test", dataset: phantoms.dataset)
    #expect(split.folder == "test" && split.cases == phantoms.splits.test && split.cases.count == 3)
    #expect(try EvaluationSplit.resolve("val1", dataset: phantoms.dataset).cases == phantoms.splits.folds[1].val)
    #expect(throws: TrainingError.self) { try EvaluationSplit.resolve("validation", dataset: phantoms.dataset) }
    let broken = split.cases[1]
    try Data("not a png".utf8).write(to: phantoms.dataset.appendingPathComponent("test/images/\(broken).png"))

    var report = EvaluationReport(tileSide: 32)
    var heard: [Int] = []
    DatasetEvaluation.run(models: models, dataset: phantoms.dataset, split: split, into: &report) { position, _, _ in
        heard.append(position)
    }
    #expect(heard == [1, 2, 3])
    #expect(report.cases.map(\.name) == [split.cases[0], split.cases[2]])
    #expect(report.failures.map(\.name) == [broken])
    #expect(report.failures[0].reason.contains("PNG"))
    // The metrics are those of the chain's own masks against the prepared ground truth.
    let name = split.cases[0]
    let image = try PNG.readGray(phantoms.dataset.appendingPathComponent("test/images/\(name).png"))
    let truth = try PNG.readGray(phantoms.dataset.appendingPathComponent("test/masks/\(name).png"))
    let refined = try models.refine(image).mask
    #expect(report.cases[0].refined == SegmentationMetrics(prediction: refined, groundTruth: truth))

    let out = phantoms.root.appendingPathComponent("report")
    try report.write(to: out)
    let csv = parseCSV(try String(contentsOf: out.appendingPathComponent("metrics.csv"), encoding: .utf8))
    #expect(csv.count == 3)
}
