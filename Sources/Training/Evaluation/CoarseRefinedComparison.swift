import Foundation
import Imaging

/// Mean overlap metrics of the coarse (TransUNet) and refined (SAM) masks over a set of
/// images, and what the refiner added: the table printed at validation and evaluation, and
/// the flat scalars logged with it (`val_coarse/dice`, `test_delta/iou`, …).
public struct CoarseRefinedComparison: Sendable, Equatable, Codable {
    /// One metric's means over the images.
    public struct Row: Sendable, Equatable, Codable {
        /// Key in the scalars: `dice`, `iou`, `precision`, `recall` or `accuracy`.
        public var key: String
        /// Name in the table: `Dice`, `IoU`, ….
        public var label: String
        public var coarse: Double
        public var refined: Double
        /// `refined - coarse`, which equals the mean of the per-image differences.
        public var delta: Double { refined - coarse }
    }

    /// The metrics compared, in table order.
    public static let metrics: [(key: String, label: String, value: @Sendable (SegmentationMetrics) -> Double)] = [
        ("dice", "Dice", { $0.dice }), ("iou", "IoU", { $0.iou }), ("precision", "Precision", { $0.precision }),
        ("recall", "Recall", { $0.recall }), ("accuracy", "Accuracy", { $0.accuracy }),
    ]

    /// How many images the means are over.
    public let count: Int
    /// One row per entry of `metrics`; all means are 0 when there are no images.
    public let rows: [Row]

    /// Compares per-image metrics; `coarse[i]` and `refined[i]` belong to the same image.
    public init(coarse: [SegmentationMetrics], refined: [SegmentationMetrics]) {
        precondition(coarse.count == refined.count,
                     "comparison: \(coarse.count) coarse and \(refined.count) refined metrics")
        count = coarse.count
        let n = Double(max(coarse.count, 1))
        rows = Self.metrics.map { metric in
            Row(key: metric.key, label: metric.label,
                coarse: coarse.map(metric.value).reduce(0, +) / n,
                refined: refined.map(metric.value).reduce(0, +) / n)
        }
    }

    /// Mean Dice of the coarse and of the refined masks.
    public var coarseDice: Double { rows[0].coarse }
    public var refinedDice: Double { rows[0].refined }

    /// The mean Dice gain of refinement over the images.
    public var meanDiceImprovement: Double { rows[0].delta }

    /// The console table: a header, one line per metric (coarse, refined, delta), then the
    /// mean Dice improvement.
    public var table: String {
        var lines = ["Metric       Coarse  Refined    Delta"]
        for row in rows {
            lines.append(row.label.padding(toLength: 10, withPad: " ", startingAt: 0)
                         + String(format: " %8.4f %8.4f %+8.4f", row.coarse, row.refined, row.delta))
        }
        lines.append(String(format: "Mean Dice improvement: %+.4f over %d image%@", meanDiceImprovement, count,
                            count == 1 ? "" : "s"))
        return lines.joined(separator: "\n")
    }

    /// `PREFIX_coarse/KEY`, `PREFIX_refined/KEY` and `PREFIX_delta/KEY` for every metric,
    /// e.g. `val_refined/dice` with prefix `val`.
    public func scalars(prefix: String) -> [String: Double] {
        var out: [String: Double] = [:]
        for row in rows {
            out["\(prefix)_coarse/\(row.key)"] = row.coarse
            out["\(prefix)_refined/\(row.key)"] = row.refined
            out["\(prefix)_delta/\(row.key)"] = row.delta
        }
        return out
    }
}
