extension Tensor {
    /// A tensor of `shape` with every element `value`.
    public static func full(_ shape: [Int], _ value: Float) -> Tensor {
        let result = Tensor(uninitializedShape: shape)
        result.storage.base.update(repeating: value, count: result.count)
        return result
    }

    /// All zeros.
    public static func zeros(_ shape: [Int]) -> Tensor { full(shape, 0) }

    /// All ones.
    public static func ones(_ shape: [Int]) -> Tensor { full(shape, 1) }

    /// `start, start+step, …` below `end` as a 1-D tensor (PyTorch's `arange`).
    public static func arange(_ start: Float = 0, _ end: Float, step: Float = 1) -> Tensor {
        precondition(step != 0, "arange step must be non-zero")
        let n = Swift.max(0, Int(((end - start) / step).rounded(.up)))
        return Tensor((0..<n).map { start + Float($0) * step })
    }

    /// Standard-normal samples drawn from `generator` in row-major order.
    public static func randn(_ shape: [Int], mean: Float = 0, std: Float = 1,
                             generator: inout SeededGenerator) -> Tensor {
        let result = Tensor(uninitializedShape: shape)
        let p = result.storage.base
        for i in 0..<result.count { p[i] = mean + std * Float(generator.normal()) }
        return result
    }

    /// Uniform samples in `[low, high)` drawn from `generator` in row-major order.
    public static func uniform(_ shape: [Int], low: Float = 0, high: Float = 1,
                               generator: inout SeededGenerator) -> Tensor {
        let result = Tensor(uninitializedShape: shape)
        let p = result.storage.base
        for i in 0..<result.count { p[i] = Float(generator.uniform(Double(low), Double(high))) }
        return result
    }

    /// Zeros with this tensor's shape.
    public func zerosLike() -> Tensor { .zeros(shape) }

    /// Ones with this tensor's shape.
    public func onesLike() -> Tensor { .ones(shape) }
}
