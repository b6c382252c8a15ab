import Foundation
import Pixels

/// U-MedSAM's shape-distance target for a binary mask: the Euclidean distance transform of the
/// mask (each lesion pixel's distance to the nearest background pixel) normalised by its
/// maximum, `d`, mapped through the soft Heaviside `1 / (1 + e^(−(1 − d)/k))` and multiplied
/// by the mask. It weights the lesion's rim above its core; `Losses.shapeDistance` compares a
/// prediction with it.
public enum ShapeDistanceTarget {
    /// The target (row-major, the mask's size) of a mask whose nonzero pixels are lesion: all
    /// zeros for an empty mask, and `d = 0` throughout for a mask without background (no
    /// distance to measure). `k` is the Heaviside's softness (0.2 in U-MedSAM).
    public static func of(_ mask: Raster<UInt8>, k: Float = 0.2) -> [Float] {
        let lesion = mask.plane(0).pixels
        let distance = DistanceTransform.squaredDistances(lesion, width: mask.width, height: mask.height,
                                                          featureIsNonzero: false).map { $0.squareRoot() }
        var largest: Float = 0
        for (value, label) in zip(distance, lesion) where label != 0 && value.isFinite { largest = max(largest, value) }
        return zip(distance, lesion).map { value, label in
            guard label != 0 else { return 0 }
            let d = largest > 0 && value.isFinite ? value / largest : 0
            return 1 / (1 + Foundation.exp(-(1 - d) / k))
        }
    }
}
