import Pixels

/// Binary morphology with Euclidean discs, computed through the exact distance transform
/// so the cost does not grow with the radius.
public enum Morphology {
    /// Pixels within Euclidean distance `radius` of the foreground (disc dilation), as 0/1.
    public static func dilated(_ mask: Raster<UInt8>, radius: Double) -> Raster<UInt8> {
        let plane = mask.plane(0).pixels
        let squared = DistanceTransform.squaredDistances(plane, width: mask.width, height: mask.height,
                                                         featureIsNonzero: true)
        let limit = Float(radius * radius)
        return Raster(width: mask.width, height: mask.height, pixels: squared.map { $0 <= limit ? 1 : 0 })
    }

    /// Foreground pixels farther than `radius` from every background pixel (disc erosion),
    /// as 0/1. Outside the image counts as foreground, like the distance transform does.
    public static func eroded(_ mask: Raster<UInt8>, radius: Double) -> Raster<UInt8> {
        let plane = mask.plane(0).pixels
        let squared = DistanceTransform.squaredDistances(plane, width: mask.width, height: mask.height,
                                                         featureIsNonzero: false)
        let limit = Float(radius * radius)
        return Raster(width: mask.width, height: mask.height, pixels: squared.map { $0 > limit ? 1 : 0 })
    }

    /// Foreground pixels with a background 4-neighbour or on the image edge: the contour
    /// drawn in galleries.
    public static func innerBoundary(_ mask: Raster<UInt8>) -> Raster<UInt8> {
        let w = mask.width, h = mask.height
        var out = Raster<UInt8>(width: w, height: h, repeating: 0)
        for y in 0..<h {
            for x in 0..<w where mask[y, x] != 0 {
                let edge = x == 0 || y == 0 || x == w - 1 || y == h - 1
                if edge || mask[y, x - 1] == 0 || mask[y, x + 1] == 0
                    || mask[y - 1, x] == 0 || mask[y + 1, x] == 0 {
                    out[y, x] = 1
                }
            }
        }
        return out
    }
}
