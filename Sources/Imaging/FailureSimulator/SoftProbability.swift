import Pixels
import Tensor

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// The soft version of a corrupted mask, as a coarse network's foreground probability:
/// `p = sigmoid(−φ / T(x))` with `φ` the mask's signed distance and a temperature that
/// varies smoothly in space (`T0 · exp(0.3 g)`), so edges are sharper in some places and
/// more uncertain in others.
///
/// A blur would soften edges too, but could push pixels across 0.5; with the half-pixel
/// SDF convention `φ` is never 0, so `p > 0.5` holds exactly on the mask.
public enum SoftProbability {
    /// Beyond this distance from the mask's bounding box `p` is stored as exactly 0 (it is
    /// below 2e-5 there for temperatures up to 4.5), which spares a full-image distance
    /// transform on large images.
    public static let reach = 48

    /// Probability map of `mask` (nonzero = foreground) at base temperature
    /// `temperature` (pixels of distance per unit of logit).
    public static func of(_ mask: Raster<UInt8>, temperature: Double,
                          using generator: inout SeededGenerator) -> Raster<Float> {
        var minX = mask.width, minY = mask.height, maxX = -1, maxY = -1
        for y in 0..<mask.height {
            for x in 0..<mask.width where mask[y, x] != 0 {
                minX = min(minX, x); maxX = max(maxX, x); minY = min(minY, y); maxY = max(maxY, y)
            }
        }
        var p = Raster<Float>(width: mask.width, height: mask.height, repeating: 0)
        guard maxX >= 0 else { return p }
        let x0 = max(0, minX - reach), y0 = max(0, minY - reach)
        let w = min(mask.width, maxX + reach + 1) - x0, h = min(mask.height, maxY + reach + 1) - y0
        var window = [UInt8](repeating: 0, count: w * h)
        for y in 0..<h { for x in 0..<w { window[y * w + x] = mask[y0 + y, x0 + x] } }
        // Inside the window the signed distance is exact: every foreground pixel is in it,
        // and so is a ring of background around them.
        let phi = SignedDistance.compute(window, width: w, height: h)
        let modulation = GaussianRandomField.sample(width: w, height: h, correlationLength: 32, using: &generator)
        let t0 = Float(temperature)
        for y in 0..<h {
            for x in 0..<w {
                let i = y * w + x
                let t = t0 * expf(0.3 * min(max(modulation[i], -2.5), 2.5))
                p[y0 + y, x0 + x] = 1 / (1 + expf(phi[i] / t))
            }
        }
        return p
    }
}
