/// A float32 N-dimensional array in row-major order, optionally tracked for gradients.
///
/// A value type with copy-on-write storage: copies and views (`reshaped`, first-axis
/// `slice`) share bytes until one is mutated. Operations are pure and return new tensors;
/// when gradients are wanted (see ``GradMode``) the result also carries the graph node
/// that ``backward(_:)`` walks.
public struct Tensor: Sendable {
    /// Extent of each axis; `[]` for a scalar.
    public let shape: [Int]
    /// Number of elements (product of `shape`).
    public let count: Int
    var storage: TensorStorage
    /// Element offset of this tensor inside `storage` (non-zero for first-axis slices).
    let offset: Int
    /// The autograd node producing this tensor, or nil when no gradient flows through it.
    var gradNode: GradNode?

    init(shape: [Int], storage: TensorStorage, offset: Int = 0, gradNode: GradNode? = nil) {
        self.shape = shape
        self.count = shape.reduce(1, *)
        self.storage = storage
        self.offset = offset
        self.gradNode = gradNode
        precondition(offset + count <= storage.capacity || count == 0, "tensor view exceeds its storage")
    }

    /// A tensor whose elements the caller fills before anyone reads them.
    init(uninitializedShape shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative extent in shape \(shape)")
        self.init(shape: shape, storage: TensorStorage(capacity: shape.reduce(1, *)))
    }

    /// A tensor of `shape` holding `values` in row-major order.
    public init(_ values: [Float], shape: [Int]) {
        precondition(values.count == shape.reduce(1, *),
                     "\(values.count) values do not fill shape \(shape)")
        self.init(uninitializedShape: shape)
        values.withUnsafeBufferPointer { source in
            storage.base.update(from: source.baseAddress!, count: values.count)
        }
    }

    /// A 1-D tensor holding `values`.
    public init(_ values: [Float]) {
        self.init(values, shape: [values.count])
    }

    /// A 0-D (scalar) tensor.
    public init(_ scalar: Float) {
        self.init([scalar], shape: [])
    }

    /// Number of axes.
    public var rank: Int { shape.count }

    /// The elements in row-major order.
    public var scalars: [Float] {
        withUnsafeBufferPointer { Array($0) }
    }

    /// The single element of a one-element tensor (PyTorch's `item()`).
    public var item: Float {
        precondition(count == 1, "item needs a one-element tensor, shape is \(shape)")
        return storage.base[offset]
    }

    /// The element at a full multi-index (slow; for tests and inspection).
    public subscript(_ index: Int...) -> Float {
        precondition(index.count == rank, "index \(index) does not match shape \(shape)")
        var flat = 0
        for (axis, i) in index.enumerated() {
            precondition(i >= 0 && i < shape[axis], "index \(index) out of bounds for shape \(shape)")
            flat = flat * shape[axis] + i
        }
        return storage.base[offset + flat]
    }

    /// Read access to the contiguous elements.
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage.base + offset, count: count))
    }

    /// Write access to the elements, copying first if the storage is shared (copy-on-write).
    /// Mutating in place bypasses autograd; optimisers use it under ``noGrad(_:)``.
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (UnsafeMutableBufferPointer<Float>) throws -> R
    ) rethrows -> R {
        if !isKnownUniquelyReferenced(&storage) {
            let copy = TensorStorage(capacity: count)
            copy.base.update(from: storage.base + offset, count: count)
            self = Tensor(shape: shape, storage: copy, offset: 0, gradNode: gradNode)
        }
        return try body(UnsafeMutableBufferPointer(start: storage.base + offset, count: count))
    }

    /// Pointer to the first element, for kernels that only read.
    var pointer: UnsafeMutablePointer<Float> { storage.base + offset }
}

extension Tensor: CustomStringConvertible {
    /// Shape and (up to 16) leading elements, enough to recognise a tensor in a log.
    public var description: String {
        let shown = withUnsafeBufferPointer { Array($0.prefix(16)) }
        let tail = count > shown.count ? ", …" : ""
        return "Tensor(shape: \(shape), [\(shown.map { "\($0)" }.joined(separator: ", "))\(tail)])"
    }
}

/// Resolves a possibly negative axis (`-1` = last) against a rank, as PyTorch does.
func normalizedAxis(_ axis: Int, rank: Int) -> Int {
    let resolved = axis < 0 ? axis + rank : axis
    precondition(resolved >= 0 && resolved < max(rank, 1), "axis \(axis) out of range for rank \(rank)")
    return resolved
}

/// Row-major strides of a shape (in elements), as PyTorch reports for a contiguous tensor.
public func contiguousStrides(_ shape: [Int]) -> [Int] {
    var strides = [Int](repeating: 1, count: shape.count)
    var running = 1
    for axis in stride(from: shape.count - 1, through: 0, by: -1) {
        strides[axis] = running
        running *= shape[axis]
    }
    return strides
}
