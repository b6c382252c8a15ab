extension Tensor {
    /// Sum over `axes` (all when nil), dropping them unless `keepDims`, as `torch.sum`.
    public func sum(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        let axes = normalizedAxes(axes)
        let kept = keptShape(reducing: axes)
        let value = reducedKeepingDims(axes, kind: .sum)
        let result = Tensor.recorded(value, inputs: [self]) { [shape] g in
            [g.reshaped(kept).expanded(to: shape)]
        }
        return keepDims ? result : result.reshaped(shape(dropping: axes))
    }

    /// Sum over one axis.
    public func sum(axis: Int, keepDims: Bool = false) -> Tensor { sum(axes: [axis], keepDims: keepDims) }

    /// Mean over `axes` (all when nil), as `torch.mean`.
    public func mean(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        let axes = normalizedAxes(axes)
        let n = axes.reduce(1) { $0 * shape[$1] }
        return sum(axes: axes, keepDims: keepDims) / Float(n)
    }

    /// Mean over one axis.
    public func mean(axis: Int, keepDims: Bool = false) -> Tensor { mean(axes: [axis], keepDims: keepDims) }

    /// Largest value over `axes` (`torch.amax`: the gradient is shared equally between ties).
    public func max(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        extremum(axes: axes, keepDims: keepDims, kind: .max)
    }

    /// Largest value over one axis.
    public func max(axis: Int, keepDims: Bool = false) -> Tensor { max(axes: [axis], keepDims: keepDims) }

    /// Smallest value over `axes` (`torch.amin`).
    public func min(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        extremum(axes: axes, keepDims: keepDims, kind: .min)
    }

    /// Smallest value over one axis.
    public func min(axis: Int, keepDims: Bool = false) -> Tensor { min(axes: [axis], keepDims: keepDims) }

    private func extremum(axes: [Int]?, keepDims: Bool, kind: ReductionKind) -> Tensor {
        let axes = normalizedAxes(axes)
        let value = reducedKeepingDims(axes, kind: kind)
        let result = Tensor.recorded(value, inputs: [self]) { [self] g in
            let hits = self .== value
            let ties = hits.sum(axes: axes, keepDims: true)
            return [hits * (g.reshaped(value.shape) / ties)]
        }
        return keepDims ? result : result.reshaped(shape(dropping: axes))
    }

    /// Variance over `axes` (all when nil), as `torch.var`: divides by n − 1 when `unbiased`
    /// (PyTorch's default, `correction=1`), by n otherwise.
    public func variance(axes: [Int]? = nil, unbiased: Bool = true, keepDims: Bool = false) -> Tensor {
        let axes = normalizedAxes(axes)
        let n = axes.reduce(1) { $0 * shape[$1] }
        let centered = self - mean(axes: axes, keepDims: true)
        return centered.squared().sum(axes: axes, keepDims: keepDims) / Float(unbiased ? n - 1 : n)
    }

    /// Variance over one axis.
    public func variance(axis: Int, unbiased: Bool = true, keepDims: Bool = false) -> Tensor {
        variance(axes: [axis], unbiased: unbiased, keepDims: keepDims)
    }

    /// `shape` without the given axes (the result shape of a reduction without `keepDims`).
    private func shape(dropping axes: [Int]) -> [Int] {
        shape.indices.filter { !axes.contains($0) }.map { shape[$0] }
    }
}
