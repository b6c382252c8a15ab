extension Tensor {
    /// The same elements under a new shape (one extent may be -1); a view, no copy.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var resolved = newShape
        if let hole = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().filter { $0.offset != hole }.reduce(1) { $0 * $1.element }
            precondition(known > 0 && count % known == 0, "cannot reshape \(shape) to \(newShape)")
            resolved[hole] = count / known
        }
        precondition(resolved.reduce(1, *) == count, "cannot reshape \(shape) (\(count) elements) to \(newShape)")
        if resolved == shape { return self }
        let view = Tensor(shape: resolved, storage: storage, offset: offset)
        return Tensor.recorded(view, inputs: [self]) { [shape] g in [g.reshaped(shape)] }
    }

    /// Variadic form of ``reshaped(_:)``.
    public func reshaped(_ extents: Int...) -> Tensor { reshaped(extents) }

    /// Collapses axes `start...end` into one (`torch.flatten`).
    public func flattened(from start: Int = 0, through end: Int = -1) -> Tensor {
        guard rank > 0 else { return reshaped([1]) }
        let first = normalizedAxis(start, rank: rank), last = normalizedAxis(end, rank: rank)
        return reshaped(Array(shape[..<first]) + [shape[first...last].reduce(1, *)] + Array(shape[(last + 1)...]))
    }

    /// Inserts an axis of extent 1 at `axis` (`torch.unsqueeze`).
    public func unsqueezed(_ axis: Int) -> Tensor {
        var newShape = shape
        newShape.insert(1, at: normalizedAxis(axis, rank: rank + 1))
        return reshaped(newShape)
    }

    /// Removes `axis`, which must have extent 1 (`torch.squeeze(dim)`).
    public func squeezed(_ axis: Int) -> Tensor {
        let axis = normalizedAxis(axis, rank: rank)
        precondition(shape[axis] == 1, "cannot squeeze axis \(axis) of extent \(shape[axis])")
        var newShape = shape
        newShape.remove(at: axis)
        return reshaped(newShape)
    }

    /// Axes reordered so result axis i is input axis `order[i]` (`torch.permute`); copies.
    public func permuted(_ order: [Int]) -> Tensor {
        let order = order.map { normalizedAxis($0, rank: rank) }
        precondition(order.sorted() == Array(0..<rank), "\(order) is not a permutation of \(rank) axes")
        if order == Array(0..<rank) { return self }
        let strides = contiguousStrides(shape)
        let newShape = order.map { shape[$0] }
        let result = Tensor(uninitializedShape: newShape)
        stridedCopy(shape: newShape, from: pointer, strides: order.map { strides[$0] },
                    to: result.pointer, strides: contiguousStrides(newShape))
        return Tensor.recorded(result, inputs: [self]) { g in
            var inverse = [Int](repeating: 0, count: order.count)
            for (i, axis) in order.enumerated() { inverse[axis] = i }
            return [g.permuted(inverse)]
        }
    }

    /// Variadic form of ``permuted(_:)``.
    public func permuted(_ order: Int...) -> Tensor { permuted(order) }

    /// Swaps two axes (`torch.transpose`).
    public func transposed(_ a: Int = -2, _ b: Int = -1) -> Tensor {
        var order = Array(0..<rank)
        order.swapAt(normalizedAxis(a, rank: rank), normalizedAxis(b, rank: rank))
        return permuted(order)
    }

    /// Elements `start..<end` (step `step`) along `axis`; a view when `axis` is 0 with step 1.
    /// Negative bounds count from the end, as Python slicing.
    public func slice(axis: Int = 0, _ start: Int, _ end: Int? = nil, step: Int = 1) -> Tensor {
        let axis = normalizedAxis(axis, rank: rank)
        precondition(step > 0, "slice step must be positive")
        let extent = shape[axis]
        func clamp(_ i: Int) -> Int { Swift.min(Swift.max(i < 0 ? i + extent : i, 0), extent) }
        let lo = clamp(start), hi = Swift.max(clamp(end ?? extent), lo)
        var newShape = shape
        newShape[axis] = (hi - lo + step - 1) / step
        let strides = contiguousStrides(shape)
        let value: Tensor
        if axis == 0 && step == 1 {
            value = Tensor(shape: newShape, storage: storage, offset: offset + lo * strides[0])
        } else {
            value = Tensor(uninitializedShape: newShape)
            var sourceStrides = strides
            sourceStrides[axis] *= step
            stridedCopy(shape: newShape, from: pointer + lo * strides[axis], strides: sourceStrides,
                        to: value.pointer, strides: contiguousStrides(newShape))
        }
        return Tensor.recorded(value, inputs: [self]) { [shape] g in
            let full = Tensor.zeros(shape)
            var targetStrides = strides
            targetStrides[axis] *= step
            stridedCopy(shape: newShape, from: g.pointer, strides: contiguousStrides(newShape),
                        to: full.pointer + lo * strides[axis], strides: targetStrides)
            return [full]
        }
    }

    /// The `index`-th sub-tensor along the first axis, without that axis (a view).
    public subscript(index i: Int) -> Tensor {
        slice(axis: 0, i, i + 1).squeezed(0)
    }

    /// Broadcasts to `target` (`torch.expand`, materialised); the gradient sums back.
    public func expanded(to target: [Int]) -> Tensor {
        if target == shape { return self }
        let value = Tensor(uninitializedShape: target)
        stridedCopy(shape: target, from: pointer, strides: broadcastStrides(shape, to: target),
                    to: value.pointer, strides: contiguousStrides(target))
        return Tensor.recorded(value, inputs: [self]) { [shape] g in [g.summed(toShape: shape)] }
    }

    /// Tiles the tensor `counts[i]` times along axis i (`torch.Tensor.repeat`).
    public func repeated(_ counts: [Int]) -> Tensor {
        precondition(counts.count >= rank, "repeat needs at least \(rank) counts")
        let padded = [Int](repeating: 1, count: counts.count - rank) + shape
        // (d0, d1, …) viewed as (1, d0, 1, d1, …), expanded to (r0, d0, r1, d1, …), merged.
        let interleaved = padded.flatMap { [1, $0] }
        let target = zip(counts, padded).flatMap { [$0, $1] }
        return reshaped(interleaved).expanded(to: target).reshaped(zip(counts, padded).map { $0 * $1 })
    }

    /// Joins tensors along an existing axis (`torch.cat`).
    public static func concatenate(_ tensors: [Tensor], axis: Int = 0) -> Tensor {
        precondition(!tensors.isEmpty, "concatenate needs at least one tensor")
        let first = tensors[0]
        let axis = normalizedAxis(axis, rank: first.rank)
        for t in tensors {
            precondition(t.rank == first.rank && t.shape.indices.allSatisfy { $0 == axis || t.shape[$0] == first.shape[$0] },
                         "concatenate: shape \(t.shape) does not match \(first.shape) off axis \(axis)")
        }
        var shape = first.shape
        shape[axis] = tensors.reduce(0) { $0 + $1.shape[axis] }
        let outer = shape[..<axis].reduce(1, *)
        let rowLength = shape[axis...].reduce(1, *)
        let result = Tensor(uninitializedShape: shape)
        var column = 0
        for t in tensors {
            let block = t.shape[axis...].reduce(1, *)
            let source = t.pointer, destination = result.pointer + column
            Parallelism.forEach(outer, costPerItem: block) { range in
                for o in range { (destination + o * rowLength).update(from: source + o * block, count: block) }
            }
            column += block
        }
        let extents = tensors.map { $0.shape[axis] }
        return recorded(result, inputs: tensors) { g in
            var start = 0
            return extents.map { extent in
                defer { start += extent }
                return g.slice(axis: axis, start, start + extent)
            }
        }
    }

    /// Joins equally shaped tensors along a new axis (`torch.stack`).
    public static func stack(_ tensors: [Tensor], axis: Int = 0) -> Tensor {
        precondition(!tensors.isEmpty, "stack needs at least one tensor")
        return concatenate(tensors.map { $0.unsqueezed(axis) }, axis: axis)
    }
}
