#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

struct AddFunction: BinaryFunction { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a + b } }
struct SubtractFunction: BinaryFunction { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a - b } }
struct MultiplyFunction: BinaryFunction { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a * b } }
struct DivideFunction: BinaryFunction { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a / b } }
struct PowerFunction: BinaryFunction { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { powf(a, b) } }
/// d(a/b)/db · g = -g·a/b², fused as (g, a, b).
struct DivideRightGradFunction: TernaryFunction {
    @inline(__always) func callAsFunction(_ g: Float, _ a: Float, _ b: Float) -> Float { -g * a / (b * b) }
}
/// `x·scale + shift`: every tensor–scalar add, subtract, multiply and negate.
struct AffineFunction: UnaryFunction {
    let scale: Float, shift: Float
    @inline(__always) func callAsFunction(_ x: Float) -> Float { x * scale + shift }
}
struct ReciprocalScaleFunction: UnaryFunction {
    let numerator: Float
    @inline(__always) func callAsFunction(_ x: Float) -> Float { numerator / x }
}
struct ScalarPowerFunction: UnaryFunction {
    let exponent: Float
    @inline(__always) func callAsFunction(_ x: Float) -> Float { powf(x, exponent) }
}
struct SquareFunction: UnaryFunction { @inline(__always) func callAsFunction(_ x: Float) -> Float { x * x } }

extension Tensor {
    /// Elementwise sum with broadcasting.
    public static func + (a: Tensor, b: Tensor) -> Tensor {
        recorded(zipped(a, b, AddFunction()), inputs: [a, b]) { g in
            [a.requiresGrad ? g.summed(toShape: a.shape) : nil,
             b.requiresGrad ? g.summed(toShape: b.shape) : nil]
        }
    }

    /// Elementwise difference with broadcasting.
    public static func - (a: Tensor, b: Tensor) -> Tensor {
        recorded(zipped(a, b, SubtractFunction()), inputs: [a, b]) { g in
            [a.requiresGrad ? g.summed(toShape: a.shape) : nil,
             b.requiresGrad ? (-g).summed(toShape: b.shape) : nil]
        }
    }

    /// Elementwise product with broadcasting.
    public static func * (a: Tensor, b: Tensor) -> Tensor {
        recorded(zipped(a, b, MultiplyFunction()), inputs: [a, b]) { g in
            [a.requiresGrad ? (g * b).summed(toShape: a.shape) : nil,
             b.requiresGrad ? (g * a).summed(toShape: b.shape) : nil]
        }
    }

    /// Elementwise quotient with broadcasting.
    public static func / (a: Tensor, b: Tensor) -> Tensor {
        recorded(zipped(a, b, DivideFunction()), inputs: [a, b]) { g in
            [a.requiresGrad ? (g / b).summed(toShape: a.shape) : nil,
             b.requiresGrad ? Tensor.zipped(g, a.expanded(to: g.shape), b.expanded(to: g.shape),
                                            DivideRightGradFunction()).summed(toShape: b.shape) : nil]
        }
    }

    /// Elementwise negation.
    public static prefix func - (x: Tensor) -> Tensor { x.affine(scale: -1, shift: 0) }

    /// `x·scale + shift` in one pass (the kernel behind the tensor–scalar operators).
    public func affine(scale: Float, shift: Float) -> Tensor {
        Tensor.recorded(mapped(AffineFunction(scale: scale, shift: shift)), inputs: [self]) { g in
            [scale == 1 ? g : g.affine(scale: scale, shift: 0)]
        }
    }

    /// Tensor plus scalar.
    public static func + (x: Tensor, s: Float) -> Tensor { x.affine(scale: 1, shift: s) }
    /// Scalar plus tensor.
    public static func + (s: Float, x: Tensor) -> Tensor { x.affine(scale: 1, shift: s) }
    /// Tensor minus scalar.
    public static func - (x: Tensor, s: Float) -> Tensor { x.affine(scale: 1, shift: -s) }
    /// Scalar minus tensor.
    public static func - (s: Float, x: Tensor) -> Tensor { x.affine(scale: -1, shift: s) }
    /// Tensor times scalar.
    public static func * (x: Tensor, s: Float) -> Tensor { x.affine(scale: s, shift: 0) }
    /// Scalar times tensor.
    public static func * (s: Float, x: Tensor) -> Tensor { x.affine(scale: s, shift: 0) }
    /// Tensor divided by scalar.
    public static func / (x: Tensor, s: Float) -> Tensor { x.affine(scale: 1 / s, shift: 0) }

    /// Scalar divided by tensor.
    public static func / (s: Float, x: Tensor) -> Tensor {
        recorded(x.mapped(ReciprocalScaleFunction(numerator: s)), inputs: [x]) { g in
            [Tensor.zipped(g, Tensor.full(x.shape, s), x, DivideRightGradFunction())]
        }
    }

    /// In-place-style sum (rebinds `a`; recorded like `a + b`).
    public static func += (a: inout Tensor, b: Tensor) { a = a + b }
    /// In-place-style difference.
    public static func -= (a: inout Tensor, b: Tensor) { a = a - b }
    /// In-place-style product.
    public static func *= (a: inout Tensor, b: Tensor) { a = a * b }
    /// In-place-style scaling.
    public static func *= (a: inout Tensor, s: Float) { a = a * s }

    /// `self` raised elementwise to `exponent` (broadcast), as `torch.pow`.
    public func pow(_ exponent: Tensor) -> Tensor {
        let result = Tensor.zipped(self, exponent, PowerFunction())
        return Tensor.recorded(result, inputs: [self, exponent]) { [self] g in
            [requiresGrad ? (g * exponent * self.pow(exponent - 1)).summed(toShape: shape) : nil,
             exponent.requiresGrad ? (g * result * self.log()).summed(toShape: exponent.shape) : nil]
        }
    }

    /// `self` raised elementwise to a scalar power.
    public func pow(_ exponent: Float) -> Tensor {
        if exponent == 1 { return self }
        let value = exponent == 2 ? mapped(SquareFunction()) : mapped(ScalarPowerFunction(exponent: exponent))
        return Tensor.recorded(value, inputs: [self]) { [self] g in
            [g * (exponent == 2 ? self * 2 : self.pow(exponent - 1) * exponent)]
        }
    }

    /// Elementwise square.
    public func squared() -> Tensor { pow(2) }
}
