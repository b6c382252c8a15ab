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
    /// Softmax along `axis` (`F.softmax`), computed stably by subtracting the maximum.
    public func softmax(axis: Int = -1) -> Tensor {
        let axis = normalizedAxis(axis, rank: rank)
        let result = normalizedExponentials(axis: axis, log: false)
        return Tensor.recorded(result, inputs: [self]) { g in
            [result * (g - (g * result).sum(axes: [axis], keepDims: true))]
        }
    }

    /// Log-softmax along `axis` (`F.log_softmax`): `x − max − log Σ exp(x − max)`.
    public func logSoftmax(axis: Int = -1) -> Tensor {
        let axis = normalizedAxis(axis, rank: rank)
        let result = normalizedExponentials(axis: axis, log: true)
        return Tensor.recorded(result, inputs: [self]) { g in
            [g - result.exp() * g.sum(axes: [axis], keepDims: true)]
        }
    }

    /// Softmax or log-softmax along `axis`: contiguous last-axis rows one row per job; along
    /// an inner axis, in place in its strided layout (no transposes), many lanes at once.
    private func normalizedExponentials(axis: Int, log: Bool) -> Tensor {
        let n = rank == 0 ? 1 : shape[axis]
        let inner = rank == 0 ? 1 : shape[(axis + 1)...].reduce(1, *)
        let result = Tensor(uninitializedShape: shape)
        guard count > 0 else { return result }
        let source = pointer, destination = result.pointer
        if inner == 1 {
            Parallelism.forEach(count / n, costPerItem: 8 * n) { range in
                for r in range { softmaxRow(source + r * n, into: destination + r * n, count: n, log: log) }
            }
            return result
        }
        // Jobs are strips of up to `lanes` positions along the inner axes, each normalised over
        // the `n` values `inner` apart that share its position.
        let lanes = 256, strips = (inner + lanes - 1) / lanes
        Parallelism.forEach(count / (n * inner) * strips, costPerItem: 8 * n * lanes) { range in
            for job in range {
                let start = job / strips * n * inner + job % strips * lanes
                softmaxColumns(source + start, into: destination + start, count: n, stride: inner,
                               width: Swift.min(lanes, inner - job % strips * lanes), log: log)
            }
        }
        return result
    }
}

/// Softmax (or log-softmax) over `n` values `stride` apart, for `width` adjacent positions at
/// once, so every loop runs along contiguous memory; `y` must not overlap `x` (as `softmaxRow`).
@inline(__always)
func softmaxColumns(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count n: Int, stride: Int,
                    width: Int, log: Bool) {
    withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * width) { scratch in
        let top = scratch.baseAddress!, total = top + width
        top.update(from: x, count: width)
        for a in 1..<Swift.max(n, 1) {
            let row = x + a * stride
            for j in 0..<width { top[j] = Swift.max(top[j], row[j]) }
        }
        total.update(repeating: 0, count: width)
        for a in 0..<n {
            let row = x + a * stride, out = y + a * stride
            for j in 0..<width {
                let d = row[j] - top[j]
                let e = d < -87.33654 ? 0 : FastMath.expInRange(Swift.max(d, -87.33654))
                out[j] = e
                total[j] += e
            }
        }
        if log {
            for j in 0..<width { total[j] = top[j] + logf(total[j]) }
            for a in 0..<n {
                let row = x + a * stride, out = y + a * stride
                for j in 0..<width { out[j] = row[j] - total[j] }
            }
        } else {
            for j in 0..<width { total[j] = 1 / total[j] }
            for a in 0..<n {
                let out = y + a * stride
                for j in 0..<width { out[j] *= total[j] }
            }
        }
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
