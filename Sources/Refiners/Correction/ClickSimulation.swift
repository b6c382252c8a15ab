import Imaging
import Pixels

/// The simulated user of the standard interactive-segmentation protocol: each click goes at
/// the centre of the largest error region (the pixel farthest from the region's boundary),
/// positive when the region is missed lesion, negative when it is a false positive.
public enum ClickSimulation {
    /// The next click for `prediction` against `truth` (row-major, `width`×`height`, true for
    /// lesion), or nil when they agree everywhere.
    ///
    /// Regions are 8-connected; the boundary includes the image border (outside counts as
    /// not-error), so a region touching the edge is centred inside the image. Equal distances
    /// go to the first pixel in raster order, so the click is deterministic.
    public static func nextClick(prediction: [Bool], truth: [Bool], width: Int, height: Int) -> CorrectionClick? {
        precondition(prediction.count == width * height && truth.count == width * height,
                     "ClickSimulation: masks must both be \(width)×\(height)")
        let error = zip(prediction, truth).map { $0 != $1 ? UInt8(1) : 0 }
        let components = ConnectedComponents(Raster(width: width, height: height, pixels: error))
        // The largest region; among equals the first labelled (raster order of its first pixel).
        guard let largest = components.sizes.indices.reduce(nil, { (best: Int?, i: Int) in
            best.map { components.sizes[i] > components.sizes[$0] ? i : $0 } ?? i
        }) else { return nil }
        let label = Int32(largest + 1)
        // Distances to the nearest pixel outside the region, on a grid padded by one pixel.
        let paddedWidth = width + 2, paddedHeight = height + 2
        let squared = DistanceTransform.squaredDistances(width: paddedWidth, height: paddedHeight) { index in
            let x = index % paddedWidth - 1, y = index / paddedWidth - 1
            guard x >= 0, y >= 0, x < width, y < height else { return true }
            return components.labels[y * width + x] != label
        }
        var best = -1, bestDistance: Float = -1
        for pixel in 0..<width * height where components.labels[pixel] == label {
            let d = squared[(pixel / width + 1) * paddedWidth + pixel % width + 1]
            if d > bestDistance { (best, bestDistance) = (pixel, d) }
        }
        return CorrectionClick(x: best % width, y: best / width, positive: truth[best])
    }
}
