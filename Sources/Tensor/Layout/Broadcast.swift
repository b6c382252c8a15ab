/// PyTorch/NumPy broadcasting: shapes align at the right; extents must match or be 1.
func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int] {
    let rank = max(a.count, b.count)
    return (0..<rank).map { i in
        let x = i < rank - a.count ? 1 : a[i - (rank - a.count)]
        let y = i < rank - b.count ? 1 : b[i - (rank - b.count)]
        precondition(x == y || x == 1 || y == 1, "shapes \(a) and \(b) cannot be broadcast together")
        return x == 1 ? y : x
    }
}

/// Strides that read a contiguous tensor of `shape` as if it had the broadcast shape `target`
/// (stride 0 along broadcast axes).
func broadcastStrides(_ shape: [Int], to target: [Int]) -> [Int] {
    let own = contiguousStrides(shape)
    let lead = target.count - shape.count
    precondition(lead >= 0, "cannot broadcast shape \(shape) to \(target)")
    return target.indices.map { axis in
        guard axis >= lead else { return 0 }
        let extent = shape[axis - lead]
        precondition(extent == target[axis] || extent == 1, "cannot broadcast shape \(shape) to \(target)")
        return extent == 1 && target[axis] != 1 ? 0 : own[axis - lead]
    }
}

extension Tensor {
    /// Sums a gradient of broadcast shape back to `shape` (the adjoint of broadcasting).
    func summed(toShape target: [Int]) -> Tensor {
        if shape == target { return self }
        let lead = rank - target.count
        var axes = Array(0..<lead)
        for (i, extent) in target.enumerated() where extent == 1 && shape[lead + i] != 1 {
            axes.append(lead + i)
        }
        return sum(axes: axes, keepDims: true).reshaped(target)
    }
}
