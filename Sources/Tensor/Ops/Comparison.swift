struct EqualFunction: BinaryFunction { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a == b ? 1 : 0 } }
struct NotEqualFunction: BinaryFunction { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a != b ? 1 : 0 } }
struct LessFunction: BinaryFunction { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a < b ? 1 : 0 } }
struct LessEqualFunction: BinaryFunction { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a <= b ? 1 : 0 } }
struct SelectFunction: TernaryFunction {
    @inline(__always) func callAsFunction(_ c: Float, _ a: Float, _ b: Float) -> Float { c != 0 ? a : b }
}

/// Comparisons produce masks: float tensors of 0 and 1 (no gradient), broadcasting as usual.
extension Tensor {
    /// 1 where `a == b`.
    public static func .== (a: Tensor, b: Tensor) -> Tensor { zipped(a, b, EqualFunction()) }
    /// 1 where `a != b`.
    public static func .!= (a: Tensor, b: Tensor) -> Tensor { zipped(a, b, NotEqualFunction()) }
    /// 1 where `a < b`.
    public static func .< (a: Tensor, b: Tensor) -> Tensor { zipped(a, b, LessFunction()) }
    /// 1 where `a <= b`.
    public static func .<= (a: Tensor, b: Tensor) -> Tensor { zipped(a, b, LessEqualFunction()) }
    /// 1 where `a > b`.
    public static func .> (a: Tensor, b: Tensor) -> Tensor { zipped(b, a, LessFunction()) }
    /// 1 where `a >= b`.
    public static func .>= (a: Tensor, b: Tensor) -> Tensor { zipped(b, a, LessEqualFunction()) }

    /// 1 where `a == s`.
    public static func .== (a: Tensor, s: Float) -> Tensor { a .== Tensor(s) }
    /// 1 where `a < s`.
    public static func .< (a: Tensor, s: Float) -> Tensor { a .< Tensor(s) }
    /// 1 where `a <= s`.
    public static func .<= (a: Tensor, s: Float) -> Tensor { a .<= Tensor(s) }
    /// 1 where `a > s`.
    public static func .> (a: Tensor, s: Float) -> Tensor { a .> Tensor(s) }
    /// 1 where `a >= s`.
    public static func .>= (a: Tensor, s: Float) -> Tensor { a .>= Tensor(s) }

    /// Elements of `a` where `condition` is non-zero, else of `b` (`torch.where`), broadcasting
    /// all three; the gradient flows only into the chosen side.
    public static func `where`(_ condition: Tensor, _ a: Tensor, _ b: Tensor) -> Tensor {
        let shape = broadcastShape(broadcastShape(condition.shape, a.shape), b.shape)
        let mask = condition.detached().expanded(to: shape)
        let value = zipped(mask, a.detached().expanded(to: shape), b.detached().expanded(to: shape), SelectFunction())
        return recorded(value, inputs: [a, b]) { g in
            let zero = Tensor.zeros(shape)
            return [a.requiresGrad ? zipped(mask, g, zero, SelectFunction()).summed(toShape: a.shape) : nil,
                    b.requiresGrad ? zipped(mask, zero, g, SelectFunction()).summed(toShape: b.shape) : nil]
        }
    }
}
