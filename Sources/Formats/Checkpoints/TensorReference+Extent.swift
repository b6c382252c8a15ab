/// Overflow-checked sizes of a tensor view. The numbers come from an untrusted pickle, so
/// plain arithmetic on them could trap; nil means "no real tensor is that large".
extension TensorReference {
    /// Elements in the view (the product of its sizes), nil on overflow.
    var elementCount: Int? {
        shape.reduce(Optional(1)) { product, size in
            guard let product else { return nil }
            let (result, overflow) = product.multipliedReportingOverflow(by: size)
            return overflow ? nil : result
        }
    }

    /// Storage index of the view's last element (offset plus each axis's reach), nil on
    /// overflow. Only meaningful for non-empty views with non-negative sizes and strides.
    var lastStorageIndex: Int? {
        var last = offset
        for (size, stride) in zip(shape, strides) where size > 0 {
            let (reach, overflow) = (size - 1).multipliedReportingOverflow(by: stride)
            guard !overflow else { return nil }
            let (sum, sumOverflow) = last.addingReportingOverflow(reach)
            guard !sumOverflow else { return nil }
            last = sum
        }
        return last
    }
}
