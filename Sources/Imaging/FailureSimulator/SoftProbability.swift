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
    /// Probability map of `mask` (nonzero = foreground) at base temperature
    /// `temperature` (pixels of distance per unit of logit).
    public static func of(_ mask: Raster<UInt8>, temperature: Double,
                          using generator: inout SeededGenerator) -> Raster<Float> {
        let phi = SignedDistance.of(mask).pixels
        let modulation = GaussianRandomField.sample(width: mask.width, height: mask.height,
                                                    correlationLength: 32, using: &generator)
        var p = [Float](repeating: 0, count: phi.count)
        let t0 = Float(temperature)
        for i in 0..<p.count {
            let t = t0 * expf(0.3 * min(max(modulation[i], -2.5), 2.5))
            p[i] = 1 / (1 + expf(phi[i] / t))
        }
        return Raster(width: mask.width, height: mask.height, pixels: p)
    }
}
