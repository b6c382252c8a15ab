struct SigmoidFunction: UnaryFunction { @inline(__always) func callAsFunction(_ x: Float) -> Float { FastMath.sigmoid(x) } }
struct TanhFunction: UnaryFunction { @inline(__always) func callAsFunction(_ x: Float) -> Float { FastMath.tanh(x) } }
struct ReLUFunction: UnaryFunction { @inline(__always) func callAsFunction(_ x: Float) -> Float { x > 0 ? x : 0 } }

/// GELU constants: 1/√2, 1/√(2π), √(2/π).
private let inverseSqrt2: Float = 0.707_106_781_186_547_5
private let inverseSqrt2Pi: Float = 0.398_942_280_401_432_7
private let sqrt2OverPi: Float = 0.797_884_560_802_865_4

struct GELUFunction: UnaryFunction {
    @inline(__always) func callAsFunction(_ x: Float) -> Float { 0.5 * x * (1 + FastMath.erf(x * inverseSqrt2)) }

    /// `values[i] = GELU(values[i])` in place, for fused kernels' scratch.
    @inline(__always)
    static func applyInPlace(_ values: UnsafeMutablePointer<Float>, count: Int) {
        let gelu = GELUFunction()
        for i in 0..<count { values[i] = gelu(values[i]) }
    }
}
struct GELUTanhFunction: UnaryFunction {
    @inline(__always) func callAsFunction(_ x: Float) -> Float {
        0.5 * x * (1 + FastMath.tanh(sqrt2OverPi * (x + 0.044_715 * x * x * x)))
    }
}

struct SigmoidGrad: TernaryFunction { @inline(__always) func callAsFunction(_ g: Float, _ x: Float, _ y: Float) -> Float { g * y * (1 - y) } }
struct TanhGrad: TernaryFunction { @inline(__always) func callAsFunction(_ g: Float, _ x: Float, _ y: Float) -> Float { g * (1 - y * y) } }
struct ReLUGrad: TernaryFunction { @inline(__always) func callAsFunction(_ g: Float, _ x: Float, _ y: Float) -> Float { x > 0 ? g : 0 } }
/// d/dx x·Φ(x) = Φ(x) + x·φ(x).
struct GELUGrad: TernaryFunction {
    @inline(__always) func callAsFunction(_ g: Float, _ x: Float, _ y: Float) -> Float {
        let cdf = 0.5 * (1 + FastMath.erf(x * inverseSqrt2))
        let pdf = inverseSqrt2Pi * FastMath.exp(-0.5 * x * x)
        return g * (cdf + x * pdf)
    }
}
/// d/dx ½x(1 + tanh(u)), u = √(2/π)(x + 0.044715x³).
struct GELUTanhGrad: TernaryFunction {
    @inline(__always) func callAsFunction(_ g: Float, _ x: Float, _ y: Float) -> Float {
        let t = FastMath.tanh(sqrt2OverPi * (x + 0.044_715 * x * x * x))
        let du = sqrt2OverPi * (1 + 3 * 0.044_715 * x * x)
        return g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du)
    }
}

/// Which GELU PyTorch computes: the exact erf form (default) or `approximate='tanh'`.
public enum GELUApproximation: Sendable {
    /// Exact: `x·Φ(x)` with the error function.
    case none
    /// `0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³)))`.
    case tanh
}

extension Tensor {
    /// Elementwise logistic sigmoid.
    public func sigmoid() -> Tensor { unaryOp(SigmoidFunction(), gradient: SigmoidGrad()) }
    /// Elementwise hyperbolic tangent.
    public func tanh() -> Tensor { unaryOp(TanhFunction(), gradient: TanhGrad()) }
    /// Elementwise max(x, 0) (gradient 0 at 0, as PyTorch).
    public func relu() -> Tensor { unaryOp(ReLUFunction(), gradient: ReLUGrad()) }

    /// GELU, `x·Φ(x)` (exact erf form) or its tanh approximation, as `F.gelu`.
    public func gelu(approximate: GELUApproximation = .none) -> Tensor {
        switch approximate {
        case .none: unaryOp(GELUFunction(), gradient: GELUGrad())
        case .tanh: unaryOp(GELUTanhFunction(), gradient: GELUTanhGrad())
        }
    }
}
