/// A per-element function of one float. Ops are written as small structs conforming to this
/// so the generic kernels below are specialised per op and their loops vectorise; a closure
/// argument would be an opaque call per element.
protocol UnaryFunction {
    func callAsFunction(_ x: Float) -> Float
}

/// A per-element function of two floats (see ``UnaryFunction``).
protocol BinaryFunction {
    func callAsFunction(_ a: Float, _ b: Float) -> Float
}

/// A per-element function of three floats (see ``UnaryFunction``).
protocol TernaryFunction {
    func callAsFunction(_ a: Float, _ b: Float, _ c: Float) -> Float
}

extension Tensor {
    /// `f` applied to every element (no autograd; ops add their own gradient).
    func mapped<F: UnaryFunction>(_ f: F) -> Tensor {
        let result = Tensor(uninitializedShape: shape)
        let x = pointer, y = result.pointer
        Parallelism.forEach(count, costPerItem: 4) { range in
            for i in range { y[i] = f(x[i]) }
        }
        return result
    }

    /// `f` applied to broadcast element pairs of `a` and `b`.
    static func zipped<F: BinaryFunction>(_ a: Tensor, _ b: Tensor, _ f: F) -> Tensor {
        if a.shape == b.shape {
            let result = Tensor(uninitializedShape: a.shape)
            let x = a.pointer, y = b.pointer, z = result.pointer
            Parallelism.forEach(a.count, costPerItem: 4) { range in
                for i in range { z[i] = f(x[i], y[i]) }
            }
            return result
        }
        let shape = broadcastShape(a.shape, b.shape)
        let result = Tensor(uninitializedShape: shape)
        let loop = StridedLoop(shape: shape, strides: [contiguousStrides(shape),
                                                       broadcastStrides(a.shape, to: shape),
                                                       broadcastStrides(b.shape, to: shape)])
        let n = loop.inner, sa = loop.innerStrides[1], sb = loop.innerStrides[2]
        let out = result.pointer, pa = a.pointer, pb = b.pointer
        loop.run { offsets in
            let z = out + offsets[0], x = pa + offsets[1], y = pb + offsets[2]
            // Specialised inner loops for the common stride patterns keep them vectorisable.
            switch (sa, sb) {
            case (1, 1): for i in 0..<n { z[i] = f(x[i], y[i]) }
            case (1, 0): let v = y[0]; for i in 0..<n { z[i] = f(x[i], v) }
            case (0, 1): let v = x[0]; for i in 0..<n { z[i] = f(v, y[i]) }
            default: for i in 0..<n { z[i] = f(x[i * sa], y[i * sb]) }
            }
        }
        return result
    }

    /// `f` applied to three same-shaped tensors.
    static func zipped<F: TernaryFunction>(_ a: Tensor, _ b: Tensor, _ c: Tensor, _ f: F) -> Tensor {
        precondition(a.shape == b.shape && b.shape == c.shape, "ternary kernel needs equal shapes")
        let result = Tensor(uninitializedShape: a.shape)
        let x = a.pointer, y = b.pointer, w = c.pointer, z = result.pointer
        Parallelism.forEach(a.count, costPerItem: 4) { range in
            for i in range { z[i] = f(x[i], y[i], w[i]) }
        }
        return result
    }
}
