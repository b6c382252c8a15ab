import Foundation
import Imaging
import Pixels
import Testing

/// U-MedSAM's shape-distance target: the soft Heaviside of the normalised distance to the
/// background, weighting a lesion's rim above its core.
struct ShapeDistanceTargetTests {
    /// A 5×5 square in a 9×9 image: its rim is 1 from the background, its centre 3 (the
    /// maximum), so the rim gets `1/(1 + e^(−(2/3)/0.2))` and the centre `1/(1 + e⁰) = 0.5`.
    @Test func squareGetsItsRimAndCentreValues() {
        var pixels = [UInt8](repeating: 0, count: 81)
        for y in 2...6 { for x in 2...6 { pixels[y * 9 + x] = 255 } }
        let target = ShapeDistanceTarget.of(Raster(width: 9, height: 9, pixels: pixels))
        let rim = Float(1 / (1 + exp(-(2.0 / 3) / 0.2)))
        #expect(abs(target[4 * 9 + 4] - 0.5) < 1e-6)
        #expect(abs(target[4 * 9 + 2] - rim) < 1e-6 && abs(target[2 * 9 + 2] - rim) < 1e-6)
        #expect(target[0] == 0 && target[4 * 9 + 1] == 0)
    }

    @Test func emptyMaskGivesZeros() {
        #expect(ShapeDistanceTarget.of(Raster(width: 4, height: 3, repeating: UInt8(0))) == [Float](repeating: 0, count: 12))
    }
}
