import Formats
import Foundation
import Testing
import TestSupport
@testable import Tensor

/// Loading the PyTorch fixtures of `tools/make_tensor_fixtures.py` and comparing with them.
enum TensorFixtures {
    /// The committed fixture `Tests/Fixtures/tensor/<name>.npy` as a tensor.
    static func tensor(_ name: String) throws -> Tensor {
        let array = try NPY.read(TestPaths.fixtures.appendingPathComponent("tensor/\(name).npy"))
        return Tensor(array.floats(), shape: array.shape)
    }

    /// The committed int64 fixture `<name>.npy` as gather indices.
    static func index(_ name: String) throws -> IndexTensor {
        let array = try NPY.read(TestPaths.fixtures.appendingPathComponent("tensor/\(name).npy"))
        return IndexTensor(try array.int64s().map { Int($0) }, shape: array.shape)
    }

    /// Compares with a PyTorch output. float32 results of the same formula differ by summation
    /// order and by our vectorised exp/erf (≤ 2 ulp, 4e-7 absolute); 2e-5 relative to the
    /// output scale covers that and is orders of magnitude below any definitional mistake
    /// (eps placement, biased variance).
    static func expectClose(_ actual: Tensor, _ expected: Tensor, tolerance: Float = 2e-5,
                            sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(actual.shape == expected.shape, sourceLocation: sourceLocation)
        guard actual.shape == expected.shape else { return }
        let scale = Swift.max(1, expected.scalars.map { Swift.abs($0) }.max() ?? 1)
        let worst = zip(actual.scalars, expected.scalars).map { Swift.abs($0 - $1) }.max() ?? 0
        #expect(worst <= tolerance * scale, "max error \(worst)", sourceLocation: sourceLocation)
    }
}
