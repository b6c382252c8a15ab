import Imaging
import Tensor

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Lesion-like test masks: ellipses with radial harmonic perturbations, so the simulator
/// can be tested without the shared BUSI data.
enum Phantom {
    /// A 0/1 mask with one lobed ellipse: radius `r(θ) = radius·(1 + Σ aₖ cos(kθ + pₖ))`
    /// for the given harmonics (k = 2, 3, ...), stretched by `aspect` along y.
    static func lesion(width: Int, height: Int, centerX: Double, centerY: Double, radius: Double,
                       aspect: Double = 1, harmonics: [(amplitude: Double, phase: Double)] = []) -> Raster<UInt8> {
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

    /// A random phantom of varied size (about 1 in 5 tiny, under 500 px) and shape.
    static func random(width: Int, height: Int, using generator: inout SeededGenerator) -> Raster<UInt8> {
        let scale = Double(min(width, height))
        let radius = generator.uniform() < 0.2 ? generator.uniform(4, 11) : generator.uniform(0.06, 0.22) * scale
        let harmonics = (0..<Int(generator.uniform() * 4)).map { _ in
            (amplitude: generator.uniform(0, 0.12), phase: generator.uniform(0, 2 * Double.pi))
        }
        return lesion(width: width, height: height,
                      centerX: generator.uniform(0.35, 0.65) * Double(width),
                      centerY: generator.uniform(0.35, 0.65) * Double(height),
                      radius: radius, aspect: generator.uniform(0.6, 1), harmonics: harmonics)
    }

    /// Two separate lesions, a large and a small one (for disappearance).
    static func pair(width: Int = 128, height: Int = 128) -> Raster<UInt8> {
        var mask = lesion(width: width, height: height, centerX: 50, centerY: 64, radius: 22)
        let small = lesion(width: width, height: height, centerX: 100, centerY: 64, radius: 6)
        for i in 0..<mask.pixels.count where small.pixels[i] != 0 { mask.pixels[i] = 1 }
        return mask
    }

    /// A lobed, clearly irregular lesion.
    static func irregular(width: Int = 128, height: Int = 128) -> Raster<UInt8> {
        lesion(width: width, height: height, centerX: 64, centerY: 64, radius: 30,
               harmonics: [(0, 0), (0, 0), (0.45, 0.3)])
    }
}
