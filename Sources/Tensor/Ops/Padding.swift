extension Tensor {
    /// Pads the trailing axes as `F.pad`: `padding` lists (before, after) pairs starting from
    /// the last axis. `.constant` fills with `value`; `.reflect` mirrors without repeating the edge.
    public func padded(_ padding: [Int], mode: PaddingMode = .constant, value: Float = 0) -> Tensor {
        precondition(padding.count % 2 == 0 && padding.count / 2 <= rank, "pad needs (before, after) pairs for at most \(rank) axes")
        switch mode {
        case .constant: return constantPadded(padding, value: value)
        case .reflect:
            var result = self
            for pair in 0..<(padding.count / 2) {
                let axis = rank - 1 - pair
                let before = padding[2 * pair], after = padding[2 * pair + 1]
                let extent = shape[axis]
                precondition(before < extent && after < extent, "reflect padding must be smaller than the axis extent \(extent)")
                let indices = (-before..<(extent + after)).map { i in
                    i < 0 ? -i : (i >= extent ? 2 * (extent - 1) - i : i)
                }
                result = result.indexSelect(axis: axis, indices)
            }
            return result
        }
    }

    private func constantPadded(_ padding: [Int], value: Float) -> Tensor {
        var newShape = shape
        var start = [Int](repeating: 0, count: rank)
        for pair in 0..<(padding.count / 2) {
            let axis = rank - 1 - pair
            precondition(padding[2 * pair] >= 0 && padding[2 * pair + 1] >= 0, "negative padding is not supported")
            start[axis] = padding[2 * pair]
            newShape[axis] += padding[2 * pair] + padding[2 * pair + 1]
        }
        let result = Tensor.full(newShape, value)
        let targetStrides = contiguousStrides(newShape)
        let origin = zip(start, targetStrides).reduce(0) { $0 + $1.0 * $1.1 }
        stridedCopy(shape: shape, from: pointer, strides: contiguousStrides(shape),
                    to: result.pointer + origin, strides: targetStrides)
        return Tensor.recorded(result, inputs: [self]) { [shape] g in
            let inner = Tensor(uninitializedShape: shape)
            stridedCopy(shape: shape, from: g.pointer + origin, strides: targetStrides,
                        to: inner.pointer, strides: contiguousStrides(shape))
            return [inner]
        }
    }
}

/// How ``Tensor/padded(_:mode:value:)`` fills the border.
public enum PaddingMode: Sendable {
    /// Fill with a constant value.
    case constant
    /// Mirror the interior about the edge element (`F.pad(mode='reflect')`).
    case reflect
}
