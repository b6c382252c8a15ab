/// Branch-free float32 transcendental functions that the compiler can vectorise.
///
/// libm's `expf`/`erff`/`tanhf` are opaque calls, one element at a time, which makes
/// softmax and GELU compute-bound; these polynomial forms keep them memory-bound. Accuracy:
/// `fastExp` ~1 ulp (Cephes `expf`), `fastErf` ≤ 4e-7 absolute (Abramowitz–Stegun 7.1.26, 1.5e-7 in exact
/// arithmetic; the form PyTorch's own vectorised CPU `erf` uses), `fastTanh` ~2 ulp near 0 and ~1e-7 absolute beyond.
enum FastMath {
    /// e^x with IEEE edge cases: +inf above the float range, 0 below it, NaN through.
    @inline(__always)
    static func exp(_ x: Float) -> Float {
        // NaN passes through the clamps and the polynomial unchanged.
        let value = expInRange(Swift.min(Swift.max(x, -87.33654), 88.72283))
        return x > 88.72283 ? .infinity : (x < -87.33654 ? 0 : value)
    }

    /// e^x for x already within [-87.33654, 88.72283] (normal float results), which callers
    /// that clamp anyway use to skip the edge-case selects.
    @inline(__always)
    static func expInRange(_ x: Float) -> Float {
        // exp(x) = 2^k · exp(r), k = round(x / ln2), |r| ≤ ln2/2.
        // Adding 1.5·2^23 rounds to an integer held in the low mantissa bits, with no
        // float→int conversion (which would trap on overflow and block vectorisation).
        let shifter: Float = 12_582_912
        let biased = x * 1.442_695_04 + shifter
        let k = biased - shifter
        var r = x - k * 0.693_359_375
        r = r - k * -2.121_944_4e-4
        let z = r * r
        var p: Float = 1.987_569_15e-4
        p = p * r + 1.398_199_95e-3
        p = p * r + 8.333_451_9e-3
        p = p * r + 4.166_579_6e-2
        p = p * r + 1.666_666_5e-1
        p = p * r + 5.000_000_1e-1
        let expR = p * z + r + 1
        let scale = Float(bitPattern: (biased.bitPattern &- 0x4B40_0000 &+ 127) << 23)
        return expR * scale
    }

    @inline(__always)
    static func erf(_ x: Float) -> Float {
        let a = Swift.abs(x)
        let t = 1 / (1 + 0.327_591_1 * a)
        var p: Float = 1.061_405_429
        p = p * t - 1.453_152_027
        p = p * t + 1.421_413_741
        p = p * t - 0.284_496_736
        p = p * t + 0.254_829_592
        let magnitude = 1 - p * t * expInRange(Swift.max(-a * a, -87.33654))
        return x < 0 ? -magnitude : magnitude
    }

    @inline(__always)
    static func tanh(_ x: Float) -> Float {
        let a = Swift.abs(x)
        // Small |x|: odd polynomial (Cephes tanhf); large |x|: 1 - 2/(e^{2|x|}+1), which does
        // not cancel there.
        let z = x * x
        var p: Float = -5.704_988_727_45e-3
        p = p * z + 2.063_908_879_54e-2
        p = p * z - 5.373_971_555_31e-2
        p = p * z + 1.333_144_220_36e-1
        p = p * z - 3.333_328_194_22e-1
        let small = p * z * x + x
        let largeMagnitude = 1 - 2 / (expInRange(Swift.min(2 * a, 88.72283)) + 1)
        let large = x < 0 ? -largeMagnitude : largeMagnitude
        return a < 0.625 ? small : large
    }

    @inline(__always)
    static func sigmoid(_ x: Float) -> Float {
        1 / (1 + exp(-x))
    }
}
