extension Tensor {
    /// `op(a[i]) · op(b[i])` for every batch `i` of two rank-3 tensors, where `op` transposes
    /// the last two axes when asked. Transposition is a BLAS flag, never a copy.
    ///
    /// With `start`, a fresh (B, m, n) tensor no one else holds, the products accumulate onto
    /// it in place: OpenBLAS clears its result first otherwise, a pass of its own.
    static func gemm(_ a: Tensor, transposed ta: Bool, _ b: Tensor, transposed tb: Bool, onto start: Tensor? = nil) -> Tensor {
        precondition(a.rank == 3 && b.rank == 3 && a.shape[0] == b.shape[0], "gemm needs equal-batch rank-3 operands")
        let batch = a.shape[0]
        let m = ta ? a.shape[2] : a.shape[1], k = ta ? a.shape[1] : a.shape[2]
        let n = tb ? b.shape[1] : b.shape[2]
        precondition((tb ? b.shape[2] : b.shape[1]) == k, "matmul inner extents differ: \(a.shape) · \(b.shape)")
        precondition(start.map { $0.shape == [batch, m, n] } ?? true, "gemm: start \(start!.shape) is not [\(batch), \(m), \(n)]")
        let result = start ?? Tensor(uninitializedShape: [batch, m, n])
        Gemm.multiplyBatched(batch: batch, transposeA: ta, transposeB: tb, m: m, n: n, k: k,
                             a: a.pointer, strideA: a.shape[1] * a.shape[2],
                             b: b.pointer, strideB: b.shape[1] * b.shape[2],
                             beta: start == nil ? 0 : 1, c: result.pointer, strideC: m * n)
        return result
    }

    /// Differentiable `op(a) · op(b)` on equal-batch rank-3 tensors; each gradient is one more
    /// GEMM with adjusted transpose flags. With `start` (see `gemm`), the value is
    /// `start + op(a) · op(b)`, but only the product's gradients are recorded here
    /// (`addingToProduct` records the addend's).
    static func batchedMatmul(_ a: Tensor, transposed ta: Bool = false, _ b: Tensor, transposed tb: Bool = false,
                              onto start: Tensor? = nil) -> Tensor {
        let value = gemm(a, transposed: ta, b, transposed: tb, onto: start)
        return recorded(value, inputs: [a, b]) { g in
            let gradA: Tensor? = !a.requiresGrad ? nil
                : ta ? gemm(b, transposed: tb, g, transposed: true) : gemm(g, transposed: false, b, transposed: !tb)
            let gradB: Tensor? = !b.requiresGrad ? nil
                : tb ? gemm(g, transposed: true, a, transposed: ta) : gemm(a, transposed: !ta, g, transposed: false)
            return [gradA, gradB]
        }
    }

    /// Matrix product with `torch.matmul` semantics: 1-D operands are promoted and the added
    /// axis removed again; batch axes broadcast. A 2-D right operand is shared across the
    /// left operand's batch in a single GEMM.
    public func matmul(_ other: Tensor) -> Tensor {
        matmul(other, onto: nil)
    }

    /// `addend + self · other` (`torch.baddbmm`) for operands of rank ≥ 2, `addend`
    /// broadcastable to the product's shape: the GEMM starts from the addend and accumulates
    /// the product onto it, one pass over the result where a product and a sum take three
    /// (OpenBLAS clears a result before accumulating into it).
    public func matmul(_ other: Tensor, adding addend: Tensor) -> Tensor {
        precondition(rank >= 2 && other.rank >= 2, "matmul(_:adding:) needs operands of rank ≥ 2")
        let shape = broadcastShape(Array(shape.dropLast(2)), Array(other.shape.dropLast(2)))
            + [self.shape[rank - 2], other.shape[other.rank - 1]]
        return Tensor.addingToProduct(addend, shape: shape) { matmul(other, onto: $0) }
    }

    private func matmul(_ other: Tensor, onto start: Tensor?) -> Tensor {
        precondition(rank >= 1 && other.rank >= 1, "matmul needs operands of rank ≥ 1")
        let a = rank == 1 ? unsqueezed(0) : self
        let b = other.rank == 1 ? other.unsqueezed(1) : other
        let m = a.shape[a.rank - 2], k = a.shape[a.rank - 1], n = b.shape[b.rank - 1]
        precondition(b.shape[b.rank - 2] == k, "matmul: shapes \(shape) and \(other.shape) do not align")
        let aBatch = Array(a.shape.dropLast(2)), bBatch = Array(b.shape.dropLast(2))
        var product: Tensor
        if bBatch.isEmpty {
            let rows = aBatch.reduce(1, *) * m
            product = Tensor.batchedMatmul(a.reshaped([1, rows, k]), b.reshaped([1, k, n]), onto: start?.reshaped([1, rows, n]))
                .reshaped(aBatch + [m, n])
        } else {
            let batch = broadcastShape(aBatch, bBatch)
            let flat = batch.reduce(1, *)
            let left = a.expanded(to: batch + [m, k]).reshaped([flat, m, k])
            let right = b.expanded(to: batch + [k, n]).reshaped([flat, k, n])
            product = Tensor.batchedMatmul(left, right, onto: start?.reshaped([flat, m, n])).reshaped(batch + [m, n])
        }
        if rank == 1 { product = product.squeezed(-2) }
        if other.rank == 1 { product = product.squeezed(-1) }
        return product
    }

    /// `addend + product` of `shape`, where `product` computes its value onto the start it is
    /// given (the addend broadcast into a fresh tensor of `shape`) and records its own
    /// gradients; the addend's gradient is recorded here.
    static func addingToProduct(_ addend: Tensor?, shape: [Int], _ product: (Tensor?) -> Tensor) -> Tensor {
        guard let addend else { return product(nil) }
        precondition(broadcastShape(addend.shape, shape) == shape, "addend \(addend.shape) does not broadcast to \(shape)")
        let start = Tensor(uninitializedShape: shape)
        stridedCopy(shape: shape, from: addend.pointer, strides: broadcastStrides(addend.shape, to: shape),
                    to: start.pointer, strides: contiguousStrides(shape))
        let value = product(start)
        return recorded(value, inputs: [value, addend]) { g in
            [g, addend.requiresGrad ? g.summed(toShape: addend.shape) : nil]
        }
    }

    /// `self · otherᵀ` on the last two axes (attention's `q · kᵀ`), for operands of equal rank ≥ 2
    /// and equal batch axes: the transposition is a BLAS flag, where `matmul(other.transposed())`
    /// would first copy `other` with a strided gather.
    public func matmul(transposing other: Tensor) -> Tensor {
        precondition(rank >= 2 && other.rank == rank && shape.dropLast(2) == other.shape.dropLast(2)
                     && shape[rank - 1] == other.shape[rank - 1],
                     "matmul(transposing:): shapes \(shape) and \(other.shape) do not align")
        let batchAxes = Array(shape.dropLast(2)), batch = batchAxes.reduce(1, *)
        let m = shape[rank - 2], k = shape[rank - 1], n = other.shape[rank - 2]
        return Tensor.batchedMatmul(reshaped([batch, m, k]), transposed: false, other.reshaped([batch, n, k]), transposed: true)
            .reshaped(batchAxes + [m, n])
    }

    /// `self · weightᵀ + bias` over the last axis, with PyTorch's `(out, in)` weight layout.
    /// The bias is the GEMM's starting value (see `matmul(_:adding:)`).
    public func linear(weight: Tensor, bias: Tensor? = nil) -> Tensor {
        precondition(weight.rank == 2 && shape.last == weight.shape[1],
                     "linear: input \(shape) does not match weight \(weight.shape)")
        let inFeatures = weight.shape[1], outFeatures = weight.shape[0]
        let rows = count / Swift.max(inFeatures, 1)
        return Tensor.addingToProduct(bias, shape: [1, rows, outFeatures]) {
            Tensor.batchedMatmul(reshaped([1, rows, inFeatures]), transposed: false,
                                 weight.reshaped([1, outFeatures, inFeatures]), transposed: true, onto: $0)
        }.reshaped(Array(shape.dropLast()) + [outFeatures])
    }
}
