import Durable
import Foundation
import Imaging
import Pixels
import SegmentAnything

/// One case SAM segmented from its ground-truth box: the box it was given and how its mask
/// measures against the truth.
public struct BoxPromptedCase: Sendable, Equatable {
    public var name: String
    /// x0, y0, x1, y1 in original pixels, as passed to the predictor.
    public var box: [Double]
    public var metrics: SegmentationMetrics

    public init(name: String, box: [Double], metrics: SegmentationMetrics) {
        self.name = name
        self.box = box
        self.metrics = metrics
    }
}

/// SAM alone, prompted with nothing but the bounding box of each case's ground-truth mask:
/// the best a box prompt can do, and so the ceiling for any coarse model that only has to
/// place the box. It runs the same predictor path as `ultrarefiner sam --box`.
public enum GroundTruthBoxEvaluation {
    /// What became of one case.
    public typealias Outcome = BoxedCaseOutcome<BoxPromptedCase>

    /// The tight bounding box of a mask's nonzero pixels as x0, y0, x1, y1, where x1 and y1 are
    /// the last foreground column and row (inclusive), as SAM's `batched_mask_to_box` and
    /// MedSAM's ground-truth boxes have them; nil when the mask is empty.
    public static func box(of mask: Raster<UInt8>) -> [Double]? {
        precondition(mask.channels == 1, "a mask has one channel, not \(mask.channels)")
        var x0 = mask.width, y0 = mask.height, x1 = -1, y1 = -1
        for y in 0..<mask.height {
            for x in 0..<mask.width where mask[y, x] != 0 {
                x0 = min(x0, x); x1 = max(x1, x); y0 = min(y0, y); y1 = max(y1, y)
            }
        }
        return x1 < 0 ? nil : [Double(x0), Double(y0), Double(x1), Double(y1)]
    }

    /// The mask `ultrarefiner sam --box` returns for `box` on `image`: the candidate with the
    /// highest predicted IoU of three, or the single-mask token's.
    public static func predict(sam: SAM, preprocessing: SAMPreprocessing, image: Raster<UInt8>, box: [Double],
                               multimask: Bool) throws -> Raster<UInt8> {
        let predictor = try SAMPredictor(model: sam, image: image, preprocessing: preprocessing)
        return predictor.predict(SAMPrompt(box: box), multimask: multimask).bestMask
    }

    /// Evaluates SAM's predictor on the cases (see the general `run`).
    public static func run(sam: SAM, preprocessing: SAMPreprocessing, dataset: URL, split: EvaluationSplit,
                           multimask: Bool = true, into report: inout GroundTruthBoxReport,
                           progress: (_ position: Int, _ name: String, _ outcome: Outcome) -> Void = { _, _, _ in }) {
        run(dataset: dataset, split: split, into: &report, progress: progress) { image, box in
            try predict(sam: sam, preprocessing: preprocessing, image: image, box: box, multimask: multimask)
        }
    }

    /// Evaluates the cases one at a time into `report`, `segment` giving the mask (original
    /// size) of an image for a box in its pixels: SAM's predictor, or another refiner's
    /// (I-MedSAM's). A case with an empty ground truth is skipped and counted; one that cannot
    /// be read is recorded as a failure and the run goes on; `progress` hears of every case
    /// with its 1-based position.
    public static func run(dataset: URL, split: EvaluationSplit, into report: inout GroundTruthBoxReport,
                           progress: (_ position: Int, _ name: String, _ outcome: Outcome) -> Void = { _, _, _ in },
                           segment: (_ image: Raster<UInt8>, _ box: [Double]) throws -> Raster<UInt8>) {
        forEachBoxedCase(dataset: dataset, split: split, skipped: { report.skipped.append($0) }, failed: { report.failures.append($0) },
                         progress: progress) { name, image, truth, box in
            let mask = try segment(image, box)
            let evaluated = BoxPromptedCase(name: name, box: box, metrics: SegmentationMetrics(prediction: mask, groundTruth: truth))
            report.cases.append(evaluated)
            return evaluated
        }
    }

    /// Runs `evaluate` on each case of `split` that has a ground-truth box, one at a time, in
    /// order: what every box-prompted evaluation shares. A case with an empty ground truth goes
    /// to `skipped`, one that cannot be read or evaluated to `failed` (and the run goes on);
    /// `progress` hears of every case with its 1-based position.
    public static func forEachBoxedCase<Case>(
        dataset: URL, split: EvaluationSplit, skipped: (String) -> Void, failed: (EvaluationFailure) -> Void,
        progress: (_ position: Int, _ name: String, _ outcome: BoxedCaseOutcome<Case>) -> Void,
        evaluate: (_ name: String, _ image: Raster<UInt8>, _ truth: Raster<UInt8>, _ box: [Double]) throws -> Case
    ) {
        let folder = dataset.appendingPathComponent(split.folder)
        for (index, name) in split.cases.enumerated() {
            let start = DispatchTime.now().uptimeNanoseconds
            do {
                let (image, truth) = try DatasetEvaluation.readCase(name, in: folder)
                guard let box = box(of: truth) else {
                    skipped(name)
                    progress(index + 1, name, .skipped)
                    continue
                }
                let evaluated = try evaluate(name, image, truth, box)
                progress(index + 1, name, .evaluated(evaluated, seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9))
            } catch {
                failed(EvaluationFailure(name: name, reason: "\(error)"))
                progress(index + 1, name, .failed(reason: "\(error)"))
            }
        }
    }
}

/// What became of one case of a box-prompted evaluation.
public enum BoxedCaseOutcome<Case: Sendable>: Sendable {
    case evaluated(Case, seconds: Double)
    /// The ground truth is empty (a normal case): there is no box to give.
    case skipped
    case failed(reason: String)
}

/// The ground-truth-box evaluation of a split, written as `metrics.csv` (one row per case: its
/// box and every metric) and `summary.md` (mean ± sd of every metric, how many cases were
/// evaluated, skipped and failed). There is no coarse mask, so `EvaluationReport`'s
/// coarse-versus-refined tables and figures do not apply; the metric columns and their
/// formatting are the same.
public struct GroundTruthBoxReport: Sendable {
    /// The files `write(to:)` produces.
    public static let fileNames = ["metrics.csv", "summary.md"]

    /// What produced the masks (SAM weights, preprocessing, split), listed in `summary.md`.
    public var provenance: [String]
    /// Every evaluated case, in order.
    public internal(set) var cases: [BoxPromptedCase] = []
    /// Cases whose ground truth is empty, so they have no box.
    public internal(set) var skipped: [String] = []
    /// Cases that could not be evaluated, and why.
    public internal(set) var failures: [EvaluationFailure] = []

    public init(provenance: [String] = []) {
        self.provenance = provenance
    }

    /// `metrics.csv`: a header, then one row per case — the name, the box, then every metric
    /// column of `EvaluationReport` (an undefined distance is an empty cell), in Swift's
    /// shortest round-trip form.
    public var metricsCSV: String {
        let header = ["name", "box_x0", "box_y0", "box_x1", "box_y1"] + EvaluationReport.columns.map(\.key)
        var lines = [header.joined(separator: ",")]
        for evaluated in cases {
            let values = evaluated.box.map { "\($0)" }
                + EvaluationReport.columns.map { column in column.value(evaluated.metrics).map { "\($0)" } ?? "" }
            lines.append(([EvaluationReport.csvField(evaluated.name)] + values).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `summary.md`: what was evaluated, the counts, mean ± sd (median) of every metric, and
    /// the skipped and failed cases by name.
    public var summaryMarkdown: String {
        var lines = ["# SAM prompted with the ground-truth box", ""]
        lines += provenance.map { "- \($0)" }
        lines.append("- Images evaluated: \(cases.count); skipped (empty ground truth, no box): \(skipped.count); failed: \(failures.count)")
        lines += ["", "## Metrics", "",
                  "Mean ± sample standard deviation (median) over the evaluated images; distances in pixels, over the images where they are defined (the predicted mask non-empty).",
                  "", "| Metric | SAM, ground-truth box |", "|---|---|"]
        for column in EvaluationReport.columns {
            let summary = ValueSummary(cases.compactMap { column.value($0.metrics) })
            lines.append("| \(column.label) | \(summary.cell(of: cases.count)) |")
        }
        lines += SplitReportFiles.closingSections(skipped: skipped, failures: failures)
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes both files into `folder` (created if needed), each atomically.
    public func write(to folder: URL) throws {
        try SplitReportFiles.writeTables(csv: metricsCSV, summary: summaryMarkdown, to: folder)
    }
}
