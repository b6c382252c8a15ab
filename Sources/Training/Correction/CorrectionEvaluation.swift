import Durable
import Formats
import Foundation
import Imaging
import Pixels
import Refiners
import SegmentAnything
import Tensor

/// One case's Dice after 0, 1, … simulated clicks, for the corrector and for SAM given the
/// clicks as point prompts.
public struct InteractiveCase: Sendable, Equatable {
    public var name: String
    /// Dice at the original size after k clicks, k = 0…N (entry 0 is the box's mask).
    public var corrector: [Double]
    public var sam: [Double]
}

/// The interactive protocol on a split: round 0 is SAM's mask from the ground-truth box; each
/// click is simulated (`ClickSimulation`, at the original size) on the method's own current
/// mask, as the standard protocol does, so each method is corrected where it is wrong.
///
/// - Corrector: the click moves onto the correction grid and runs a GRU round.
/// - SAM: every click so far becomes a point prompt beside the box, and SAM predicts again
///   from the image embedding (its best candidate by predicted IoU, as for round 0).
public enum CorrectionEvaluation {
    /// What became of one case.
    public typealias Outcome = BoxedCaseOutcome<InteractiveCase>

    /// Dice after each click for one image.
    public static func evaluate(name: String, image: Raster<UInt8>, truth: Raster<UInt8>, box: [Double], sam: SAM,
                                preprocessing: SAMPreprocessing, corrector: GRUCorrector, clicks: Int,
                                cache: SAMEmbeddingCache?) throws -> InteractiveCase {
        let predictor = try SAMPredictor(model: sam, image: image, preprocessing: preprocessing, cache: cache)
        let grid = CorrectionGrid(imageWidth: image.width, imageHeight: image.height, side: corrector.config.gridSide)
        let truthMask = truth.pixels.map { $0 != 0 }
        let start = CorrectionRoundZero.predict(predictor, box: box, grid: grid)
        func nextClick(_ mask: Raster<UInt8>) -> CorrectionClick? {
            ClickSimulation.nextClick(prediction: mask.pixels.map { $0 != 0 }, truth: truthMask, width: image.width, height: image.height)
        }

        var session = CorrectionSession(grid: grid, logits: start.logits, corrector: corrector)
        var correctorDice = [Overlap.dice(session.imageMask, truth)]
        var samMask = start.prediction.bestMask, points: [SAMPrompt.Point] = []
        var samDice = [Overlap.dice(samMask, truth)]
        noGrad {
            for _ in 0..<clicks {
                let current = session.imageMask
                if let click = nextClick(current) {
                    // The click's pixel centre onto the grid.
                    session.correct(with: [grid.click(x: Double(click.x) + 0.5, y: Double(click.y) + 0.5, positive: click.positive)],
                                    corrector: corrector)
                }
                correctorDice.append(Overlap.dice(session.imageMask, truth))

                if let click = nextClick(samMask) {
                    points.append(SAMPrompt.Point(x: Double(click.x), y: Double(click.y), label: click.positive ? .foreground : .background))
                    samMask = predictor.predict(SAMPrompt(points: points, box: box)).bestMask
                }
                samDice.append(Overlap.dice(samMask, truth))
            }
        }
        return InteractiveCase(name: name, corrector: correctorDice, sam: samDice)
    }

    /// Evaluates the cases of `split` one at a time into `report`; empty truths are skipped,
    /// unreadable cases recorded as failures, and `progress` hears of every case.
    public static func run(sam: SAM, preprocessing: SAMPreprocessing, corrector: GRUCorrector, dataset: URL,
                           split: EvaluationSplit, cache: SAMEmbeddingCache?, into report: inout CorrectionReport,
                           progress: (_ position: Int, _ name: String, _ outcome: Outcome) -> Void = { _, _, _ in }) {
        let clicks = report.clicks
        GroundTruthBoxEvaluation.forEachBoxedCase(dataset: dataset, split: split, skipped: { report.skipped.append($0) },
                                                  failed: { report.failures.append($0) }, progress: progress) { name, image, truth, box in
            let evaluated = try evaluate(name: name, image: image, truth: truth, box: box, sam: sam, preprocessing: preprocessing,
                                         corrector: corrector, clicks: clicks, cache: cache)
            report.cases.append(evaluated)
            return evaluated
        }
    }
}

/// The interactive evaluation of a split: `metrics.csv` (each case's Dice after 0…N clicks
/// for both methods), `summary.md` (mean ± sd per click count, NoC@85/90) and `noc_curve.png`
/// (mean Dice against clicks).
public struct CorrectionReport: Sendable {
    /// The files `write(to:)` produces.
    public static let fileNames = ["metrics.csv", "summary.md", "noc_curve.png"]
    /// Dice thresholds of the NoC columns.
    public static let nocThresholds = [0.85, 0.90]

    public var provenance: [String]
    /// N: clicks simulated per case.
    public let clicks: Int
    public internal(set) var cases: [InteractiveCase] = []
    public internal(set) var skipped: [String] = []
    public internal(set) var failures: [EvaluationFailure] = []

    public init(clicks: Int, provenance: [String] = []) {
        self.clicks = clicks
        self.provenance = provenance
    }

    /// Clicks until Dice reaches `threshold`, N when it never does (the usual NoC cap).
    static func clicksToReach(_ threshold: Double, _ dice: [Double]) -> Int {
        dice.firstIndex { $0 >= threshold } ?? dice.count - 1
    }

    /// One header and one row per case: `corrector_k` then `sam_k` for k = 0…N.
    public var metricsCSV: String {
        let ks = 0...clicks
        var lines = [(["name"] + ks.map { "corrector_\($0)" } + ks.map { "sam_\($0)" }).joined(separator: ",")]
        for evaluated in cases {
            lines.append(([EvaluationReport.csvField(evaluated.name)] + (evaluated.corrector + evaluated.sam).map { "\($0)" })
                .joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Mean ± sd (median) of Dice after each click count for both methods, then NoC.
    public var summaryMarkdown: String {
        var lines = ["# Interactive correction: Dice after simulated clicks", ""]
        lines += provenance.map { "- \($0)" }
        lines.append("- Images evaluated: \(cases.count); skipped (empty ground truth, no box): \(skipped.count); failed: \(failures.count)")
        lines += ["", "## Dice after k clicks", "",
                  "Mean ± sample standard deviation (median) over the images; click 0 is the box's mask.", "",
                  "| Clicks | GRU corrector | LiteMedSAM, clicks as point prompts | Difference (mean) |", "|---|---|---|---|"]
        for k in 0...clicks {
            let gru = ValueSummary(cases.map { $0.corrector[k] }), sam = ValueSummary(cases.map { $0.sam[k] })
            lines.append("| \(k) | \(gru.cell(of: cases.count)) | \(sam.cell(of: cases.count)) | \(String(format: "%+.4f", gru.mean - sam.mean)) |")
        }
        lines += ["", "## Number of clicks to reach a Dice (NoC, capped at \(clicks))", "",
                  "| Threshold | GRU corrector | LiteMedSAM, clicks as point prompts |", "|---|---|---|"]
        for threshold in Self.nocThresholds {
            let gru = ValueSummary(cases.map { Double(Self.clicksToReach(threshold, $0.corrector)) })
            let sam = ValueSummary(cases.map { Double(Self.clicksToReach(threshold, $0.sam)) })
            lines.append(String(format: "| NoC@%.0f | %.2f ± %.2f | %.2f ± %.2f |", threshold * 100, gru.mean,
                                gru.standardDeviation, sam.mean, sam.standardDeviation))
        }
        lines += SplitReportFiles.closingSections(skipped: skipped, failures: failures)
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes the three files into `folder` (created if needed), each atomically.
    public func write(to folder: URL) throws {
        try SplitReportFiles.writeTables(csv: metricsCSV, summary: summaryMarkdown, to: folder)
        let means = { (values: (InteractiveCase) -> [Double]) in
            (0...clicks).map { k in ValueSummary(cases.map { values($0)[k] }).mean }
        }
        let curve = EvaluationFigures.clickCurve([("GRU CORRECTOR", means(\.corrector), EvaluationColors.refined),
                                                  ("LITEMEDSAM POINTS", means(\.sam), EvaluationColors.coarse)],
                                                 images: cases.count)
        try PNG.write(curve, to: folder.appendingPathComponent("noc_curve.png"))
    }
}

extension EvaluationFigures {
    /// Mean Dice (y) against clicks (x, 0…N), one polyline with square markers per method, a
    /// legend, and a y range from the lowest mean rounded down to 0.05 (minus 0.05) up to 1.
    static func clickCurve(_ series: [(label: String, values: [Double], color: RGBColor)], images: Int) -> Raster<UInt8> {
        let plotWidth = 360, plotHeight = 260, left = 56, top = 34
        var canvas = Canvas(width: left + plotWidth + 24, height: top + plotHeight + 70)
        let clicks = max((series.map(\.values.count).max() ?? 1) - 1, 1)
        let lowest = series.flatMap(\.values).min() ?? 0
        let floor = max(0, ((lowest - 0.05) / 0.05).rounded(.down) * 0.05)
        let x = { (k: Int) in left + k * (plotWidth - 1) / clicks }
        let y = { (v: Double) in top + plotHeight - 1 - Int(((min(max(v, floor), 1) - floor) / (1 - floor) * Double(plotHeight - 1)).rounded()) }
        for tick in 0...4 {
            let value = floor + Double(tick) * (1 - floor) / 4, label = String(format: "%.2f", value)
            canvas.line(from: (left, y(value)), to: (left + plotWidth - 1, y(value)), Self.gridLine)
            canvas.text(label, x: left - 6 - Canvas.textWidth(label), y: y(value) - 3, Self.ink)
        }
        for k in 0...clicks {
            canvas.line(from: (x(k), top + plotHeight), to: (x(k), top + plotHeight + 3), Self.ink)
            canvas.text("\(k)", x: x(k) - Canvas.textWidth("\(k)") / 2, y: top + plotHeight + 6, Self.ink)
        }
        canvas.frame(x: left, y: top, width: plotWidth, height: plotHeight, Self.ink)
        for (index, line) in series.enumerated() {
            for (k, value) in line.values.enumerated() {
                canvas.fill(x: x(k) - 2, y: y(value) - 2, width: 5, height: 5, line.color)
                if k > 0 { canvas.line(from: (x(k - 1), y(line.values[k - 1])), to: (x(k), y(value)), line.color) }
            }
            let legendY = top + plotHeight + 34 + index * 12
            canvas.fill(x: left, y: legendY, width: 10, height: 7, line.color)
            canvas.text(line.label, x: left + 16, y: legendY, Self.ink)
        }
        let title = "MEAN DICE VS CLICKS, \(images) IMAGES"
        canvas.text(title, x: left, y: 6, Self.ink)
        canvas.text("CLICKS", x: left + (plotWidth - Canvas.textWidth("CLICKS")) / 2, y: top + plotHeight + 18, Self.ink)
        return canvas.raster
    }
}
