import Durable
import Foundation
import Imaging

/// Mean, sample standard deviation and median of some values (all 0 when there are none).
struct ValueSummary: Equatable {
    var count: Int
    var mean: Double
    var standardDeviation: Double
    var median: Double

    init(_ values: [Double]) {
        count = values.count
        guard !values.isEmpty else {
            mean = 0; standardDeviation = 0; median = 0
            return
        }
        let n = Double(values.count), average = values.reduce(0, +) / n
        mean = average
        // Sample (n − 1) deviation: the images are a sample of the population we care about.
        standardDeviation = values.count < 2 ? 0
            : (values.map { ($0 - average) * ($0 - average) }.reduce(0, +) / (n - 1)).squareRoot()
        let sorted = values.sorted(), middle = values.count / 2
        median = values.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// A summary table cell, `mean ± sd (median)`, noting the count when the values cover
    /// fewer than the `total` images (a distance undefined on some).
    func cell(of total: Int) -> String {
        String(format: "%.4f ± %.4f (%.4f)", mean, standardDeviation, median) + countNote(of: total)
    }

    /// `, n=K` when the values cover fewer than the `total` images.
    func countNote(of total: Int) -> String {
        count == total ? "" : ", n=\(count)"
    }
}

extension EvaluationReport {
    /// The per-image columns of `metrics.csv` and `summary.md`, per stage; distances are nil
    /// when undefined (exactly one of prediction and ground truth empty).
    static let columns: [(key: String, label: String, value: @Sendable (SegmentationMetrics) -> Double?)] = [
        ("dice", "Dice", { $0.dice }), ("iou", "IoU", { $0.iou }), ("precision", "Precision", { $0.precision }),
        ("recall", "Recall", { $0.recall }), ("accuracy", "Accuracy", { $0.accuracy }),
        ("hd95", "HD95 (px)", { $0.hd95 }), ("asd", "ASD (px)", { $0.asd }), ("nsd", "NSD", { $0.nsd }),
    ]

    /// `metrics.csv`: a header, then one row per image — the name, then every column for the
    /// coarse and then the refined mask; an undefined distance is an empty cell. Numbers are
    /// written in Swift's shortest round-trip form, so reading them back gives the same doubles.
    public var metricsCSV: String {
        let header = ["name"] + ["coarse", "refined"].flatMap { stage in Self.columns.map { "\(stage)_\($0.key)" } }
        var lines = [header.joined(separator: ",")]
        for evaluated in cases {
            let values = [evaluated.coarse, evaluated.refined].flatMap { metrics in
                Self.columns.map { column in column.value(metrics).map { "\($0)" } ?? "" }
            }
            lines.append(([Self.csvField(evaluated.name)] + values).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `summary.md`: what was evaluated, mean ± sd and median of every metric for both stages
    /// with the mean per-image change, how many images got better or worse, and the failures.
    public var summaryMarkdown: String {
        var lines = ["# Evaluation", ""]
        lines += provenance.map { "- \($0)" }
        lines.append("- Images evaluated: \(cases.count); failed: \(failures.count)")
        lines += ["", "## Metrics", "",
                  "Mean ± sample standard deviation (median) over the images; distances in pixels, over the images where they are defined (both masks non-empty or both empty). Change: mean of refined − coarse per image.",
                  "", "| Metric | Coarse | Refined | Change |", "|---|---|---|---|"]
        for column in Self.columns {
            let coarse = ValueSummary(cases.compactMap { column.value($0.coarse) })
            let refined = ValueSummary(cases.compactMap { column.value($0.refined) })
            let change = ValueSummary(cases.compactMap { evaluated in
                column.value(evaluated.refined).flatMap { r in column.value(evaluated.coarse).map { r - $0 } }
            })
            lines.append("| \(column.label) | \(coarse.cell(of: cases.count)) | \(refined.cell(of: cases.count)) | \(String(format: "%+.4f", change.mean))\(change.countNote(of: cases.count)) |")
        }
        let counts = changeCounts
        let threshold = String(format: "%.2f", Self.changeThreshold)
        lines += ["", "## Dice change per image", "",
                  "- Better by more than \(threshold): \(counts.better)",
                  "- Worse by more than \(threshold): \(counts.worse)",
                  "- Within ±\(threshold): \(counts.unchanged)"]
        if !failures.isEmpty {
            lines += ["", "## Images not evaluated", ""]
            lines += failures.map { "- \($0.name): \($0.reason)" }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A CSV field, quoted when it holds a comma, quote or line break (quotes doubled).
    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// What the reports of box-prompted evaluations write alike.
enum SplitReportFiles {
    /// The closing sections of a `summary.md`: the images skipped for an empty ground truth and
    /// those not evaluated, with the reason (none when there are none).
    static func closingSections(skipped: [String], failures: [EvaluationFailure]) -> [String] {
        var lines: [String] = []
        if !skipped.isEmpty {
            lines += ["", "## Images skipped (empty ground truth)", ""]
            lines += skipped.map { "- \($0)" }
        }
        if !failures.isEmpty {
            lines += ["", "## Images not evaluated", ""]
            lines += failures.map { "- \($0.name): \($0.reason)" }
        }
        return lines
    }

    /// Writes `metrics.csv` and `summary.md` into `folder` (created if needed), each atomically.
    static func writeTables(csv: String, summary: String, to folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try AtomicFile.write(Data(csv.utf8), to: folder.appendingPathComponent("metrics.csv"))
        try AtomicFile.write(Data(summary.utf8), to: folder.appendingPathComponent("summary.md"))
    }
}
