/// The central-difference derivative every gradient test compares autograd against. Tests
/// keep their own step, inputs and tolerance; only the arithmetic lives here.
public enum FiniteDifference {
    /// `(f(t + h) − f(t − h)) / Δ` with Δ the distance between the two arguments actually
    /// evaluated (t ± h rounded to Float), so a large step stays exact for a linear `f`. At the
    /// default t = 0, as for a directional derivative along a fixed vector, Δ is exactly 2h.
    public static func derivative(at t: Float = 0, step h: Float, _ f: (Float) -> Double) -> Double {
        let up = t + h, down = t - h
        return (f(up) - f(down)) / (Double(up) - Double(down))
    }

    /// ∂f/∂xᵢ at `x` for each index in `coordinates`, moving xᵢ alone.
    public static func partials(of f: ([Float]) -> Double, at x: [Float], step h: Float,
                                coordinates: some Sequence<Int>) -> [Double] {
        var probe = x
        return coordinates.map { i in
            defer { probe[i] = x[i] }
            return derivative(at: x[i], step: h) { probe[i] = $0; return f(probe) }
        }
    }

    /// The gradient of `f` at `x`, every coordinate.
    public static func gradient(of f: ([Float]) -> Double, at x: [Float], step h: Float) -> [Double] {
        partials(of: f, at: x, step: h, coordinates: x.indices)
    }

    /// Largest |analytic − numeric| relative to the largest |numeric| (at least 1). Arrays of
    /// different sizes are infinitely far apart, so a wrong shape fails the test.
    public static func maxScaledError(_ analytic: [Float], _ numeric: [Double]) -> Double {
        guard analytic.count == numeric.count else { return .infinity }
        var scale = 1.0, error = 0.0
        for i in numeric.indices {
            scale = max(scale, abs(numeric[i]))
            error = max(error, abs(Double(analytic[i]) - numeric[i]))
        }
        return error / scale
    }
}
