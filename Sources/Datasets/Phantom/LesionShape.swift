import Foundation
import Imaging
import Pixels
import Tensor

/// An irregular lesion outline: an ellipse, rotated, whose radius is perturbed by a few
/// angular harmonics — smooth lobes at low orders, the ragged margin of a suspicious lesion
/// when the higher orders are strong.
struct LesionShape: Sendable {
    /// One term `amplitude * cos(order * angle + phase)` of the radial perturbation.
    struct Harmonic: Sendable {
        var order: Int
        var amplitude: Double
        var phase: Double
    }

    var centerX: Double
    var centerY: Double
    var semiAxisX: Double
    var semiAxisY: Double
    var rotation: Double
    var harmonics: [Harmonic]

    /// A random lesion inside a `width`×`height` image, placed in the upper-middle region so
    /// that there is tissue beside it and room below it for the acoustic shadow.
    static func random(width: Int, height: Int, using rng: inout SeededGenerator) -> LesionShape {
        let side = Double(min(width, height))
        let semiAxisX = side * rng.uniform(0.06, 0.16)
        // Amplitudes fall as 1/order and sum to at most ~0.36, so the radius stays positive.
        let harmonics = (2...6).map { order in
            Harmonic(order: order, amplitude: rng.uniform(0, 0.25) / Double(order),
                     phase: rng.uniform(0, 2 * Double.pi))
        }
        return LesionShape(centerX: Double(width) * rng.uniform(0.3, 0.7),
                           centerY: Double(height) * rng.uniform(0.3, 0.55),
                           semiAxisX: semiAxisX,
                           semiAxisY: semiAxisX * rng.uniform(0.5, 1.2),
                           rotation: rng.uniform(0, Double.pi),
                           harmonics: harmonics)
    }

    /// True when the point (pixel centre coordinates) lies inside the outline.
    func contains(x: Double, y: Double) -> Bool {
        let dx = x - centerX, dy = y - centerY
        let c = cos(rotation), s = sin(rotation)
        let u = (c * dx + s * dy) / semiAxisX
        let v = (-s * dx + c * dy) / semiAxisY
        let angle = atan2(v, u)
        var radius = 1.0
        for h in harmonics {
            radius += h.amplitude * cos(Double(h.order) * angle + h.phase)
        }
        return (u * u + v * v).squareRoot() <= radius
    }

    /// The 0/255 mask of the outline, sampled at pixel centres.
    func mask(width: Int, height: Int) -> Raster<UInt8> {
        var mask = Raster<UInt8>(width: width, height: height, repeating: 0)
        for y in 0..<height {
            for x in 0..<width where contains(x: Double(x) + 0.5, y: Double(y) + 0.5) {
                mask[y, x] = 255
            }
        }
        return mask
    }
}
