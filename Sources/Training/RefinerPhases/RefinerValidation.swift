import Imaging
import Pixels
import SegmentAnything
import Tensor

/// Mean overlap metrics of the coarse and the refined masks over a validation set, at the
/// images' original sizes: what a refiner phase selects its best epoch by.
struct ValidationSummary: Codable, Equatable, Sendable {
    static let metricNames = ["dice", "iou", "precision", "recall", "accuracy"]

    var cases: Int
    /// Mean of each of `metricNames`.
    var coarse: [String: Double]
    var refined: [String: Double]

    init(coarse: [SegmentationMetrics], refined: [SegmentationMetrics]) {
        func means(_ metrics: [SegmentationMetrics]) -> [String: Double] {
            let n = Double(max(metrics.count, 1))
            return [
                "dice": metrics.map(\.dice).reduce(0, +) / n, "iou": metrics.map(\.iou).reduce(0, +) / n,
                "precision": metrics.map(\.precision).reduce(0, +) / n,
                "recall": metrics.map(\.recall).reduce(0, +) / n, "accuracy": metrics.map(\.accuracy).reduce(0, +) / n,
            ]
        }
        cases = refined.count
        self.coarse = means(coarse)
        self.refined = means(refined)
    }

    var refinedDice: Double { refined["dice"] ?? 0 }

    /// `prefix/coarse/dice`, `prefix/refined/dice`, `prefix/delta/dice`, … for logs.
    func scalars(prefix: String) -> [(String, Double)] {
        Self.metricNames.flatMap { name -> [(String, Double)] in
            let c = coarse[name] ?? 0, r = refined[name] ?? 0
            return [("\(prefix)_coarse/\(name)", c), ("\(prefix)_refined/\(name)", r), ("\(prefix)_delta/\(name)", r - c)]
        }
    }

    /// The table the phases print after each validation: coarse, refined and delta per metric.
    var table: String {
        var lines = ["metric        coarse   refined     delta"]
        for name in Self.metricNames {
            let c = coarse[name] ?? 0, r = refined[name] ?? 0
            lines.append(name.padding(toLength: 10, withPad: " ", startingAt: 0)
                         + String(format: "  %8.4f  %8.4f  %+8.4f", c, r, r - c))
        }
        lines.append(String(format: "mean Dice improvement %+.4f over %d cases", refinedDice - (coarse["dice"] ?? 0), cases))
        return lines.joined(separator: "\n")
    }
}

/// Masks at an image's original size from the phases' outputs, the way the inference chain
/// makes them.
enum ValidationMasks {
    /// The coarse probability (on its square grid, which covers the whole image) resized to the
    /// original size and thresholded at 0.5.
    static func coarse(_ probability: Tensor, size: Size2D) -> Raster<UInt8> {
        let up = probability.reshaped([1, 1] + Array(probability.shape.suffix(2)))
            .interpolated(size: size, mode: .bilinear(alignCorners: false))
        return Raster(width: size.w, height: size.h, pixels: up.scalars.map { $0 > 0.5 ? 255 : 0 })
    }

    /// The chosen candidate's low-res logits (1, 1, M, M) postprocessed as inference does and
    /// thresholded at 0 (probability 0.5).
    static func refined(_ logits: Tensor, input: SAMInput) -> Raster<UInt8> {
        let full = input.postprocess(logits)
        return Raster(width: input.originalSize.w, height: input.originalSize.h,
                      pixels: full.scalars.map { $0 > 0 ? 255 : 0 })
    }
}
