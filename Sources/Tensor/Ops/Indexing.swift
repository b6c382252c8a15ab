/// Integer indices with a shape, for ``Tensor/gather(axis:_:)`` (PyTorch's LongTensor index).
public struct IndexTensor: Sendable, Equatable {
    /// Extent of each axis.
    public let shape: [Int]
    /// Indices in row-major order.
    public let values: [Int]

    /// Indices `values` laid out as `shape`.
    public init(_ values: [Int], shape: [Int]) {
        precondition(values.count == shape.reduce(1, *), "\(values.count) indices do not fill shape \(shape)")
        self.values = values
        self.shape = shape
    }
}

extension Tensor {
    /// The sub-tensors at `indices` along `axis` (`torch.index_select`); the gradient
    /// scatter-adds back, so repeated indices accumulate.
    public func indexSelect(axis: Int, _ indices: [Int]) -> Tensor {
        let axis = normalizedAxis(axis, rank: rank)
        let extent = shape[axis]
        let indices = indices.map { i in
            let resolved = i < 0 ? i + extent : i
            precondition(resolved >= 0 && resolved < extent, "index \(i) out of range for axis \(axis) of extent \(extent)")
            return resolved
        }
        let outer = shape[..<axis].reduce(1, *), inner = shape[(axis + 1)...].reduce(1, *)
        var newShape = shape
        newShape[axis] = indices.count
        let result = Tensor(uninitializedShape: newShape)
        let source = pointer, destination = result.pointer
        Parallelism.forEach(outer, costPerItem: indices.count * inner) { range in
            for o in range {
                for (k, i) in indices.enumerated() {
                    (destination + (o * indices.count + k) * inner).update(from: source + (o * extent + i) * inner, count: inner)
                }
            }
        }
        return Tensor.recorded(result, inputs: [self]) { [shape] g in
            let full = Tensor.zeros(shape)
            let target = full.pointer, upstream = g.pointer
            // Parallel over the outer index only: repeated indices collide within one `o`.
            Parallelism.forEach(outer, costPerItem: indices.count * inner) { range in
                for o in range {
                    for (k, i) in indices.enumerated() {
                        let d = target + (o * extent + i) * inner, s = upstream + (o * indices.count + k) * inner
                        for j in 0..<inner { d[j] += s[j] }
                    }
                }
            }
            return [full]
        }
    }

    /// `out[…, j, …] = self[…, index[…, j, …], …]` along `axis` (`torch.gather`); `index` has
    /// this tensor's rank and no larger extents off `axis`. The gradient scatter-adds.
    public func gather(axis: Int, _ index: IndexTensor) -> Tensor {
        let axis = normalizedAxis(axis, rank: rank)
        precondition(index.shape.count == rank, "gather index rank \(index.shape.count) differs from \(rank)")
        for d in 0..<rank where d != axis {
            precondition(index.shape[d] <= shape[d], "gather index shape \(index.shape) exceeds \(shape) on axis \(d)")
        }
        let extent = shape[axis]
        precondition(index.values.allSatisfy { $0 >= 0 && $0 < extent }, "gather index out of range for axis \(axis) of extent \(extent)")
        var sourceStrides = contiguousStrides(shape)
        let axisStride = sourceStrides[axis]
        sourceStrides[axis] = 0
        let loop = StridedLoop(shape: index.shape, strides: [contiguousStrides(index.shape), sourceStrides])
        let result = Tensor(uninitializedShape: index.shape)
        let n = loop.inner, so = loop.innerStrides[0], sx = loop.innerStrides[1]
        index.values.withUnsafeBufferPointer { idx in
            let source = pointer, destination = result.pointer
            loop.run { offsets in
                for i in 0..<n {
                    let o = offsets[0] + i * so
                    destination[o] = source[offsets[1] + i * sx + idx[o] * axisStride]
                }
            }
        }
        return Tensor.recorded(result, inputs: [self]) { [shape] g in
            let full = Tensor.zeros(shape)
            index.values.withUnsafeBufferPointer { idx in
                let target = full.pointer, upstream = g.pointer
                // Sequential: different positions may scatter into the same element.
                loop.forEachRow(0..<loop.rows) { offsets in
                    for i in 0..<n {
                        let o = offsets[0] + i * so
                        target[offsets[1] + i * sx + idx[o] * axisStride] += upstream[o]
                    }
                }
            }
            return [full]
        }
    }
}
