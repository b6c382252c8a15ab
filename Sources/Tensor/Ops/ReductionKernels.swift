/// What a reduction combines.
enum ReductionKind {
    case sum, max, min
}

/// Sum of `n` contiguous floats: 8-lane vector partial sums per 4 K block, blocks added in
/// Double, so the relative error stays at float32 level (~1e-6) even for 16 M elements, where a
/// sequential float32 running sum drifts by percents.
@inline(__always)
func contiguousSum(_ p: UnsafePointer<Float>, _ n: Int) -> Double {
    var total: Double = 0
    var start = 0
    while start < n {
        let end = Swift.min(start + 4096, n)
        var even = SIMD8<Float>(), odd = SIMD8<Float>()
        var i = start
        let raw = UnsafeRawPointer(p)
        while i + 16 <= end {
            even += raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            odd += raw.loadUnaligned(fromByteOffset: (i + 8) * 4, as: SIMD8<Float>.self)
            i += 16
        }
        var block = Double((even + odd).sum())
        while i < end { block += Double(p[i]); i += 1 }
        total += block
        start = end
    }
    return total
}

/// Reduces the middle axis of a contiguous `(outer, n, inner)` block into `(outer, inner)`.
func reduceMiddleAxis(_ source: UnsafePointer<Float>, outer: Int, n: Int, inner: Int,
                      kind: ReductionKind, into destination: UnsafeMutablePointer<Float>) {
    if inner == 1 {
        if outer == 1 && kind == .sum {
            // One long row: split it over cores and add the partial sums.
            let chunks = n >= 1 << 16 ? Parallelism.threadCount : 1
            var partial = [Double](repeating: 0, count: chunks)
            partial.withUnsafeMutableBufferPointer { parts in
                let base = parts.baseAddress!
                Parallelism.forEach(chunks, costPerItem: n / chunks) { range in
                    for c in range {
                        let lo = n * c / chunks, hi = n * (c + 1) / chunks
                        base[c] = contiguousSum(source + lo, hi - lo)
                    }
                }
            }
            destination[0] = Float(partial.reduce(0, +))
            return
        }
        Parallelism.forEach(outer, costPerItem: n) { range in
            for o in range {
                let row = source + o * n
                switch kind {
                case .sum: destination[o] = Float(contiguousSum(row, n))
                case .max: var m = row[0]; for k in 1..<Swift.max(n, 1) { m = Swift.max(m, row[k]) }; destination[o] = m
                case .min: var m = row[0]; for k in 1..<Swift.max(n, 1) { m = Swift.min(m, row[k]) }; destination[o] = m
                }
            }
        }
        return
    }
    // Rows of `inner` elements are combined elementwise, which vectorises across `inner`;
    // jobs are (outer index, slice of inner) so a single outer block still uses every core.
    let slices = Swift.max(1, Swift.min(Parallelism.threadCount, inner / 1024))
    Parallelism.forEach(outer * slices, costPerItem: n * inner / slices) { range in
        for job in range {
            let o = job / slices, s = job % slices
            let lo = inner * s / slices, hi = inner * (s + 1) / slices
            let out = destination + o * inner
            let block = source + o * n * inner
            for j in lo..<hi { out[j] = block[j] }
            for k in 1..<Swift.max(n, 1) {
                let row = block + k * inner
                switch kind {
                case .sum: for j in lo..<hi { out[j] += row[j] }
                case .max: for j in lo..<hi { out[j] = Swift.max(out[j], row[j]) }
                case .min: for j in lo..<hi { out[j] = Swift.min(out[j], row[j]) }
                }
            }
        }
    }
}

extension Tensor {
    /// Sorted, de-duplicated, non-negative axes; all axes when `axes` is nil.
    func normalizedAxes(_ axes: [Int]?) -> [Int] {
        guard let axes else { return Array(0..<rank) }
        return Array(Set(axes.map { normalizedAxis($0, rank: rank) })).sorted()
    }

    /// `shape` with the reduced axes kept as 1.
    func keptShape(reducing axes: [Int]) -> [Int] {
        var kept = shape
        for axis in axes { kept[axis] = 1 }
        return kept
    }

    /// Raw reduction (no autograd) with the reduced axes kept as extent 1.
    func reducedKeepingDims(_ axes: [Int], kind: ReductionKind) -> Tensor {
        precondition(kind == .sum || axes.allSatisfy { shape[$0] > 0 }, "max/min over an empty axis")
        var current = self
        // Runs of adjacent axes reduce in one pass; runs are taken from the last one backwards.
        var remaining = axes
        while let last = remaining.last {
            var first = last
            while remaining.contains(first - 1) { first -= 1 }
            remaining.removeAll { $0 >= first }
            let outer = current.shape[..<first].reduce(1, *)
            let n = current.shape[first...last].reduce(1, *)
            let inner = current.shape[(last + 1)...].reduce(1, *)
            var reducedShape = current.shape
            for axis in first...last { reducedShape[axis] = 1 }
            let result = Tensor(uninitializedShape: reducedShape)
            if n == 0 {
                result.pointer.update(repeating: 0, count: result.count)
            } else {
                reduceMiddleAxis(current.pointer, outer: outer, n: n, inner: inner, kind: kind,
                                 into: result.pointer)
            }
            current = result
        }
        return current
    }
}
