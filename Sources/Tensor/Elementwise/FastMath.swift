/// Branch-free float32 transcendental functions that the compiler can vectorise.
///
/// libm's `expf`/`erff`/`tanhf` are opaque calls, one element at a time, which makes
/// softmax and GELU compute-bound; these polynomial forms keep them close to memory-bound.
/// Accuracy: `exp` ~1 ulp (Cephes `expf`); `erf` and `tanh` ≤ 4e-7 absolute (a few ulp of
/// their saturation value 1), from rational fits made for this file.
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

    /// erf as x·P(x²)/Q(x²) on |x| ≤ 4 (beyond, erf is ±1 in float32); coefficients from
    /// `tools/fit_rational_approximations.py`. No exp and one division, about a third of the
    /// work of the Abramowitz–Stegun form.
    @inline(__always)
    static func erf(_ x: Float) -> Float {
        let c = Swift.min(Swift.max(x, -4), 4)  // NaN passes through
        let t = c * c
        var p: Float = 1.995_613_957e-06
        p = p * t + 2.902_370_179e-04
        p = p * t + 4.021_502_100e-03
        p = p * t + 5.352_029_577e-02
        p = p * t + 1.964_285_076e-01
        p = p * t + 1.128_378_749
        var q: Float = 3.781_409_396e-05
        q = q * t + 1.224_224_688e-03
        q = q * t + 1.547_551_807e-02
        q = q * t + 1.165_784_597e-01
        q = q * t + 5.074_102_879e-01
        q = q * t + 1
        return c * p / q
    }

    /// tanh as x·P(x²)/Q(x²) on |x| ≤ 9 (beyond, tanh is ±1 in float32); coefficients from
    /// `tools/fit_rational_approximations.py`. Accurate relative to x near 0, where
    /// `1 − 2/(e^{2x}+1)` would cancel.
    @inline(__always)
    static func tanh(_ x: Float) -> Float {
        let c = Swift.min(Swift.max(x, -9), 9)
        let t = c * c
        var p: Float = 3.551_258_246e-11
        p = p * t + 1.090_813_697e-07
        p = p * t + 4.189_461_106e-05
        p = p * t + 4.410_959_780e-03
        p = p * t + 1.408_789_903e-01
        p = p * t + 1
        var q: Float = 2.875_617_744e-09
        q = q * t + 2.569_206_799e-06
        q = q * t + 4.979_715_450e-04
        q = q * t + 2.914_840_169e-02
        q = q * t + 4.742_123_187e-01
        q = q * t + 1
        return c * p / q
    }

    @inline(__always)
    static func sigmoid(_ x: Float) -> Float {
        1 / (1 + exp(-x))
    }
}
