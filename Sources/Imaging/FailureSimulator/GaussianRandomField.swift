import Tensor

/// Smooth Gaussian random fields: white noise on a coarse grid whose spacing is the
/// correlation length, interpolated with cubic B-splines.
///
/// The B-spline makes the field twice differentiable (the smoothness regulariser of the
/// SDF perturbation), and it costs four taps per axis instead of an FFT. Weights are
/// normalised per pixel so every pixel has unit variance regardless of its grid phase.
public enum GaussianRandomField {
    /// A `width`×`height` row-major field with mean 0, variance 1 and correlation length
    /// `correlationLength` pixels (the grid spacing; at least 1).
    public static func sample(width: Int, height: Int, correlationLength: Double,
                              using generator: inout SeededGenerator) -> [Float] {
        let spacing = max(correlationLength, 1)
        let columns = Axis(length: width, spacing: spacing, phase: generator.uniform())
        let rows = Axis(length: height, spacing: spacing, phase: generator.uniform())
        var noise = [Float](repeating: 0, count: columns.knots * rows.knots)
        for i in 0..<noise.count { noise[i] = Float(generator.normal()) }
        // Interpolate along x for every coarse row, then along y.
        var partial = [Float](repeating: 0, count: rows.knots * width)
        for r in 0..<rows.knots {
            for x in 0..<width {
                let base = r * columns.knots + columns.first[x]
                let w = columns.weights[x]
                partial[r * width + x] = w.0 * noise[base] + w.1 * noise[base + 1]
                    + w.2 * noise[base + 2] + w.3 * noise[base + 3]
            }
        }
        var field = [Float](repeating: 0, count: width * height)
        for y in 0..<height {
            let r0 = rows.first[y] * width
            let w = rows.weights[y]
            for x in 0..<width {
                field[y * width + x] = w.0 * partial[r0 + x] + w.1 * partial[r0 + width + x]
                    + w.2 * partial[r0 + 2 * width + x] + w.3 * partial[r0 + 3 * width + x]
            }
        }
        return field
    }

    /// Per-pixel knot indices and normalised cubic B-spline weights along one axis.
    private struct Axis {
        let knots: Int
        var first: [Int] = []
        var weights: [(Float, Float, Float, Float)] = []

        init(length: Int, spacing: Double, phase: Double) {
            knots = Int((Double(length) / spacing).rounded(.up)) + 4
            first.reserveCapacity(length)
            weights.reserveCapacity(length)
            for p in 0..<length {
                let u = (Double(p) / spacing) + phase + 1
                let i = Int(u.rounded(.down))
                let f = u - Double(i)
                let w0 = (1 - f) * (1 - f) * (1 - f) / 6
                let w1 = (3 * f * f * f - 6 * f * f + 4) / 6
                let w2 = (-3 * f * f * f + 3 * f * f + 3 * f + 1) / 6
                let w3 = f * f * f / 6
                let norm = (w0 * w0 + w1 * w1 + w2 * w2 + w3 * w3).squareRoot()
                first.append(i - 1)
                weights.append((Float(w0 / norm), Float(w1 / norm), Float(w2 / norm), Float(w3 / norm)))
            }
        }
    }
}
