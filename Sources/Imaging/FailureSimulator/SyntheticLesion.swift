import Pixels
import Tensor

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Lesion-shaped masks for benchmarks and tests that must run without the BUSI data:
/// ellipses whose radius carries a few angular harmonics, like the lobulated outlines of
/// real lesions.
public enum SyntheticLesion {
    /// One lobed ellipse as a 0/1 mask: radius `r(θ) = radius·(1 + Σₖ aₖ cos((k+2)θ + pₖ))`
    /// for `harmonics[k] = (aₖ, pₖ)`, squeezed by `aspect` along y.
    public static func mask(width: Int, height: Int, centerX: Double, centerY: Double, radius: Double,
                            aspect: Double = 1,
                            harmonics: [(amplitude: Double, phase: Double)] = []) -> Raster<UInt8> {
        var mask = Raster<UInt8>(width: width, height: height, repeating: 0)
        for y in 0..<height {
            for x in 0..<width {
                let dx = Double(x) - centerX, dy = (Double(y) - centerY) / aspect
                let theta = atan2(dy, dx)
                var r = radius
                for (k, h) in harmonics.enumerated() {
                    r += radius * h.amplitude * cos(Double(k + 2) * theta + h.phase)
                }
                if (dx * dx + dy * dy).squareRoot() <= r { mask[y, x] = 1 }
            }
        }
        return mask
    }

    /// A random lesion of varied size relative to the image (about one in five tiny:
    /// radius 4–11 px, under 500 px of area) and varied shape.
    public static func random(width: Int, height: Int, using generator: inout SeededGenerator) -> Raster<UInt8> {
        let scale = Double(min(width, height))
        let radius = generator.uniform() < 0.2 ? generator.uniform(4, 11) : generator.uniform(0.06, 0.22) * scale
        let harmonics = (0..<Int(generator.uniform() * 4)).map { _ in
            (amplitude: generator.uniform(0, 0.12), phase: generator.uniform(0, 2 * Double.pi))
        }
        return mask(width: width, height: height,
                    centerX: generator.uniform(0.35, 0.65) * Double(width),
                    centerY: generator.uniform(0.35, 0.65) * Double(height),
                    radius: radius, aspect: generator.uniform(0.6, 1), harmonics: harmonics)
    }
}
