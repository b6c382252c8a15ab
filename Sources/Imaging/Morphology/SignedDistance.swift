import Pixels

/// Signed distance function of a binary mask, negative inside.
///
/// Convention: a pixel's value is its Euclidean distance to the nearest pixel of the other
/// class minus half a pixel, negated inside the mask. The zero level therefore lies on the
/// pixel edges between classes (boundary pixels are ±0.5, never 0), so `φ < 0` gives back
/// exactly the mask, and `φ + c < 0` erodes it by `c` pixels (dilates for negative `c`).
/// When one class is absent the other's distances are `±.infinity`.
public enum SignedDistance {
    /// The signed distance of `mask` (nonzero = inside), first channel only.
    public static func of(_ mask: Raster<UInt8>) -> Raster<Float> {
        let plane = mask.plane(0).pixels
        return Raster(width: mask.width, height: mask.height,
                      pixels: compute(plane, width: mask.width, height: mask.height))
    }

    /// Row-major form of `of(_:)` for the simulator's inner loops.
    static func compute(_ mask: [UInt8], width: Int, height: Int) -> [Float] {
        let toInside = DistanceTransform.squaredDistances(mask, width: width, height: height, featureIsNonzero: true)
        let toOutside = DistanceTransform.squaredDistances(mask, width: width, height: height, featureIsNonzero: false)
        var phi = [Float](repeating: 0, count: mask.count)
        for i in 0..<mask.count {
            phi[i] = mask[i] != 0 ? 0.5 - toOutside[i].squareRoot() : toInside[i].squareRoot() - 0.5
        }
        return phi
    }
}
