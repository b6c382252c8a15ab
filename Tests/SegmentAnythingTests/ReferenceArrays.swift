import Formats
import Foundation
import Tensor
import Testing

/// The reference arrays of the PyTorch fixtures as tensors, and how far ours are from them.
enum ReferenceArrays {
    /// A float `.npy` as a tensor of its shape.
    static func tensor(_ url: URL) throws -> Tensor {
        let array = try NPY.read(url)
        return Tensor(array.floats(), shape: array.shape)
    }

    /// Largest |a − b|; a shape mismatch is a failed expectation.
    static func maxAbsDifference(_ a: Tensor, _ b: Tensor) -> Float {
        #expect(a.shape == b.shape)
        return zip(a.scalars, b.scalars).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }
}
