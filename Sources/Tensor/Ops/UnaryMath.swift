#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

struct ExpFunction: UnaryFunction { @inline(__always) func callAsFunction(_ x: Float) -> Float { FastMath.exp(x) } }
struct LogFunction: UnaryFunction { @inline(__always) func callAsFunction(_ x: Float) -> Float { logf(x) } }
struct SqrtFunction: UnaryFunction { @inline(__always) func callAsFunction(_ x: Float) -> Float { x.squareRoot() } }
struct RsqrtFunction: UnaryFunction { @inline(__always) func callAsFunction(_ x: Float) -> Float { 1 / x.squareRoot() } }
struct AbsFunction: UnaryFunction { @inline(__always) func callAsFunction(_ x: Float) -> Float { Swift.abs(x) } }
struct SinFunction: UnaryFunction { @inline(__always) func callAsFunction(_ x: Float) -> Float { sinf(x) } }
struct CosFunction: UnaryFunction { @inline(__always) func callAsFunction(_ x: Float) -> Float { cosf(x) } }
struct ClampFunction: UnaryFunction {
    let low: Float, high: Float
    @inline(__always) func callAsFunction(_ x: Float) -> Float { Swift.min(Swift.max(x, low), high) }
}

/// Gradient rules as fused `(upstream, input, output) -> input gradient` functions.
struct ExpGrad: TernaryFunction { @inline(__always) func callAsFunction(_ g: Float, _ x: Float, _ y: Float) -> Float { g * y } }
struct LogGrad: TernaryFunction { @inline(__always) func callAsFunction(_ g: Float, _ x: Float, _ y: Float) -> Float { g / x } }
struct SqrtGrad: TernaryFunction { @inline(__always) func callAsFunction(_ g: Float, _ x: Float, _ y: Float) -> Float { g * 0.5 / y } }
struct RsqrtGrad: TernaryFunction {
    @inline(__always) func callAsFunction(_ g: Float, _ x: Float, _ y: Float) -> Float { -0.5 * g * y * y * y }
}
struct AbsGrad: TernaryFunction {
    // sign(0) = 0, as PyTorch.
    @inline(__always) func callAsFunction(_ g: Float, _ x: Float, _ y: Float) -> Float { x > 0 ? g : (x < 0 ? -g : 0) }
}
struct SinGrad: TernaryFunction { @inline(__always) func callAsFunction(_ g: Float, _ x: Float, _ y: Float) -> Float { g * cosf(x) } }
struct CosGrad: TernaryFunction { @inline(__always) func callAsFunction(_ g: Float, _ x: Float, _ y: Float) -> Float { -g * sinf(x) } }
struct ClampGrad: TernaryFunction {
    let low: Float, high: Float
    // PyTorch passes the gradient where low ≤ x ≤ high, boundaries included.
    @inline(__always) func callAsFunction(_ g: Float, _ x: Float, _ y: Float) -> Float { x >= low && x <= high ? g : 0 }
}

extension Tensor {
    /// An elementwise op whose gradient is a fused function of (upstream, input, output).
    func unaryOp<F: UnaryFunction, G: TernaryFunction>(_ f: F, gradient: G) -> Tensor {
        let result = mapped(f)
        return Tensor.recorded(result, inputs: [self]) { [self] g in
            [Tensor.zipped(g, self, result, gradient)]
        }
    }

    /// Elementwise e^x.
    public func exp() -> Tensor { unaryOp(ExpFunction(), gradient: ExpGrad()) }
    /// Elementwise natural logarithm.
    public func log() -> Tensor { unaryOp(LogFunction(), gradient: LogGrad()) }
    /// Elementwise square root.
    public func sqrt() -> Tensor { unaryOp(SqrtFunction(), gradient: SqrtGrad()) }
    /// Elementwise 1/√x.
    public func rsqrt() -> Tensor { unaryOp(RsqrtFunction(), gradient: RsqrtGrad()) }
    /// Elementwise |x| (gradient 0 at 0, as PyTorch).
    public func abs() -> Tensor { unaryOp(AbsFunction(), gradient: AbsGrad()) }
    /// Elementwise sine.
    public func sin() -> Tensor { unaryOp(SinFunction(), gradient: SinGrad()) }
    /// Elementwise cosine.
    public func cos() -> Tensor { unaryOp(CosFunction(), gradient: CosGrad()) }

    /// Elementwise clamp into `[low, high]` (either bound may be omitted).
    public func clamped(min low: Float = -.infinity, max high: Float = .infinity) -> Tensor {
        unaryOp(ClampFunction(low: low, high: high), gradient: ClampGrad(low: low, high: high))
    }
}
