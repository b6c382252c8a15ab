#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Largest of `n` contiguous floats (-inf when empty), eight lanes at a time.
@inline(__always)
func contiguousMax(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
    var lanes = SIMD8<Float>(repeating: -.infinity)
    let raw = UnsafeRawPointer(p)
    var i = 0
    while i + 8 <= n {
        let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
        lanes.replace(with: v, where: v .> lanes)
        i += 8
    }
    var best = lanes.max()
    while i < n { best = p[i] > best ? p[i] : best; i += 1 }
    return best
}

extension Tensor {
    /// Softmax along `axis` (`F.softmax`), computed stably by subtracting the row maximum.
    public func softmax(axis: Int = -1) -> Tensor {
        let axis = normalizedAxis(axis, rank: rank)
        guard axis == rank - 1 else { return transposed(axis, -1).softmax(axis: -1).transposed(axis, -1) }
        let result = rowwise(log: false)
        return Tensor.recorded(result, inputs: [self]) { g in
            [result * (g - (g * result).sum(axes: [-1], keepDims: true))]
        }
    }

    /// Log-softmax along `axis` (`F.log_softmax`): `x − max − log Σ exp(x − max)`.
    public func logSoftmax(axis: Int = -1) -> Tensor {
        let axis = normalizedAxis(axis, rank: rank)
        guard axis == rank - 1 else { return transposed(axis, -1).logSoftmax(axis: -1).transposed(axis, -1) }
        let result = rowwise(log: true)
        return Tensor.recorded(result, inputs: [self]) { g in
            [g - result.exp() * g.sum(axes: [-1], keepDims: true)]
        }
    }

    /// Softmax or log-softmax over contiguous last-axis rows, one row per job.
    private func rowwise(log: Bool) -> Tensor {
        let n = shape.last ?? 1
        let rows = n == 0 ? 0 : count / n
        let result = Tensor(uninitializedShape: shape)
        let source = pointer, destination = result.pointer
        Parallelism.forEach(rows, costPerItem: 8 * n) { range in
            for r in range { softmaxRow(source + r * n, into: destination + r * n, count: n, log: log) }
        }
        return result
    }
}

/// Softmax (or log-softmax) of the `n` floats at `x`, written to `y`, which must not overlap
/// `x`: log-softmax still needs `x` after writing the exponentials to `y`, and the loops
/// vectorise only for disjoint rows (the compiler's overlap check falls back to scalar code).
@inline(__always)
func softmaxRow(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count n: Int, log: Bool = false) {
    let top = contiguousMax(x, n)
    // x − top ≤ 0, so only underflow needs care (exactly 0, as PyTorch, e.g. for -inf masks).
    for j in 0..<n {
        let d = x[j] - top
        y[j] = d < -87.33654 ? 0 : FastMath.expInRange(Swift.max(d, -87.33654))
    }
    let total = Float(contiguousSum(y, n))
    if log {
        let shift = top + logf(total)
        for j in 0..<n { y[j] = x[j] - shift }
    } else {
        let scale = 1 / total
        for j in 0..<n { y[j] *= scale }
    }
}
