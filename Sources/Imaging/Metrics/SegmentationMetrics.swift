import Pixels

/// The evaluation metrics of a predicted binary mask against ground truth, with the
/// conventions for empty masks fixed in one place.
///
/// Conventions (nonzero = foreground; TP, FP, FN, TN are pixel counts):
/// - Dice `2TP/(2TP+FP+FN)` and IoU `TP/(TP+FP+FN)` are 1 when both masks are empty.
/// - Precision `TP/(TP+FP)` is 1 when nothing is predicted (no false claims); recall
///   `TP/(TP+FN)` is 1 when the ground truth is empty (nothing to miss).
/// - Accuracy `(TP+TN)/N`.
/// - Surface metrics follow medpy's definitions: the surface is the mask minus its erosion by
///   the 4-connected cross (pixels on the image edge count as surface); distances are exact
///   Euclidean, in pixels times `spacing`. HD95 is the 95th percentile (numpy's linear
///   interpolation) of both directed surface-distance sets pooled; ASD is the mean distance
///   from the prediction's surface to the ground truth's (medpy `asd`); ASSD is the mean of
///   both directions' ASD (medpy `assd`). When both masks are empty they are 0; when exactly one is empty they are
///   undefined (`nil`) and left out of dataset averages.
/// - Normalised surface Dice at tolerance τ (same unit as `spacing`): the share of both
///   surfaces lying within τ of the other surface; 1 when both are empty, 0 when one is.
public struct SegmentationMetrics: Sendable, Equatable, Codable {
    public var dice: Double
    public var iou: Double
    public var precision: Double
    public var recall: Double
    public var accuracy: Double
    public var hd95: Double?
    public var asd: Double?
    public var assd: Double?
    public var nsd: Double
    /// The tolerance NSD was computed at.
    public var nsdTolerance: Double

    /// Computes every metric of `prediction` against `groundTruth` (same size, one channel).
    /// `spacing` converts pixels to physical units (e.g. mm per pixel; 1 = pixels).
    public init(prediction: Raster<UInt8>, groundTruth: Raster<UInt8>,
                spacing: Double = 1, nsdTolerance: Double = 2) {
        precondition(prediction.width == groundTruth.width && prediction.height == groundTruth.height,
                     "metrics: prediction \(prediction.width)x\(prediction.height) and ground truth \(groundTruth.width)x\(groundTruth.height) differ in size")
        let counts = OverlapCounts(prediction.plane(0), groundTruth.plane(0))
        let tp = counts.truePositives, fp = counts.falsePositives, fn = counts.falseNegatives
        let n = prediction.planeSize
        dice = counts.dice
        iou = counts.iou
        precision = tp + fp == 0 ? 1 : Double(tp) / Double(tp + fp)
        recall = tp + fn == 0 ? 1 : Double(tp) / Double(tp + fn)
        accuracy = n == 0 ? 1 : Double(n - fp - fn) / Double(n)
        self.nsdTolerance = nsdTolerance

        let predictionEmpty = tp + fp == 0, truthEmpty = tp + fn == 0
        if predictionEmpty && truthEmpty {
            hd95 = 0; asd = 0; assd = 0; nsd = 1
        } else if predictionEmpty || truthEmpty {
            hd95 = nil; asd = nil; assd = nil; nsd = 0
        } else {
            let forward = SurfaceDistance.directed(from: prediction, to: groundTruth, spacing: spacing)
            let backward = SurfaceDistance.directed(from: groundTruth, to: prediction, spacing: spacing)
            hd95 = SurfaceDistance.percentile(forward + backward, 95)
            let meanForward = forward.reduce(0, +) / Double(forward.count)
            let meanBackward = backward.reduce(0, +) / Double(backward.count)
            asd = meanForward
            assd = (meanForward + meanBackward) / 2
            let within = forward.filter { $0 <= nsdTolerance }.count + backward.filter { $0 <= nsdTolerance }.count
            nsd = Double(within) / Double(forward.count + backward.count)
        }
    }
}

/// Distances between mask surfaces (medpy's `__surface_distances`).
public enum SurfaceDistance {
    /// For every surface pixel of `source`, the Euclidean distance to the nearest surface
    /// pixel of `target`, times `spacing`. Both masks must be non-empty.
    public static func directed(from source: Raster<UInt8>, to target: Raster<UInt8>,
                                spacing: Double = 1) -> [Double] {
        let targetSurface = Morphology.innerBoundary(target)
        let distance = DistanceTransform.distanceToForeground(targetSurface)
        let sourceSurface = Morphology.innerBoundary(source)
        var out: [Double] = []
        for i in 0..<sourceSurface.planeSize where sourceSurface.pixels[i] != 0 {
            out.append(Double(distance.pixels[i]) * spacing)
        }
        return out
    }

    /// The `q`-th percentile with numpy's default linear interpolation between order statistics.
    public static func percentile(_ values: [Double], _ q: Double) -> Double {
        precondition(!values.isEmpty, "percentile of no values")
        let sorted = values.sorted()
        let position = Double(sorted.count - 1) * q / 100
        let lower = Int(position.rounded(.down))
        let upper = min(lower + 1, sorted.count - 1)
        let fraction = position - Double(lower)
        return sorted[lower] + (sorted[upper] - sorted[lower]) * fraction
    }
}
