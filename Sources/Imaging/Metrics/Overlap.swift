import Pixels

/// Overlap metrics between binary masks (nonzero = foreground).
public enum Overlap {
    /// Dice coefficient `2|A∩B| / (|A|+|B|)`; 1 when both masks are empty (they agree).
    public static func dice(_ a: Raster<UInt8>, _ b: Raster<UInt8>) -> Double {
        OverlapCounts(a, b).dice
    }

    /// Dice from the three counts, shared with the simulator's inner loop so both give the
    /// same Double bit for bit (bucket membership is decided on it).
    public static func dice(intersection: Int, areaA: Int, areaB: Int) -> Double {
        let total = areaA + areaB
        return total == 0 ? 1 : 2 * Double(intersection) / Double(total)
    }
}

/// True positives, false positives and false negatives of a prediction against a reference:
/// the one pixel count behind the evaluation metrics, the validation Dice and the refined
/// loss's IoU targets and quality weights.
public struct OverlapCounts: Sendable, Equatable {
    public private(set) var truePositives = 0
    public private(set) var falsePositives = 0
    public private(set) var falseNegatives = 0

    /// Counts pixels `0..<count`; `pixel(i)` says whether pixel `i` is predicted and whether it
    /// is in the reference, so callers on floats pick their own thresholds.
    public init(count: Int, _ pixel: (Int) -> (predicted: Bool, actual: Bool)) {
        for i in 0..<count {
            switch pixel(i) {
            case (true, true): truePositives += 1
            case (true, false): falsePositives += 1
            case (false, true): falseNegatives += 1
            case (false, false): break
            }
        }
    }

    /// Counts every pixel of two same-shaped masks (nonzero = foreground).
    public init(_ prediction: Raster<UInt8>, _ reference: Raster<UInt8>) {
        precondition(prediction.width == reference.width && prediction.height == reference.height
                     && prediction.channels == reference.channels, "overlap: masks of different shapes")
        let p = prediction.pixels, r = reference.pixels
        self.init(count: p.count) { (p[$0] != 0, r[$0] != 0) }
    }

    /// Dice `2TP/(2TP+FP+FN)`; 1 when both are empty.
    public var dice: Double {
        Overlap.dice(intersection: truePositives, areaA: truePositives + falsePositives,
                     areaB: truePositives + falseNegatives)
    }

    /// IoU `TP/(TP+FP+FN)`; 1 when both are empty.
    public var iou: Double {
        let union = truePositives + falsePositives + falseNegatives
        return union == 0 ? 1 : Double(truePositives) / Double(union)
    }
}
