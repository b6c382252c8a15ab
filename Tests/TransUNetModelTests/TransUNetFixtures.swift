import Formats
import Foundation
import NN
import Tensor
import TestSupport
import TransUNetModel

/// The official-code reference outputs in `../shared/fixtures/transunet_mini` and the small
/// committed fixtures of `tools/transunet/`.
enum TransUNetFixtures {
    static let mini = TestPaths.sharedFixtures.appendingPathComponent("transunet_mini")
    static let committed = TestPaths.fixtures.appendingPathComponent("transunet")

    static func array(_ name: String, in folder: URL = mini) throws -> Tensor {
        let array = try NPY.read(folder.appendingPathComponent(name))
        return Tensor(array.floats(), shape: array.shape)
    }

    /// The mini model with every tensor from `transunet.pth`.
    static func modelFromPyTorch() throws -> TransUNet {
        let model = try TransUNet(.cpuTiny)
        try model.load(ModelCheckpoint(contentsOf: mini.appendingPathComponent("transunet.pth")))
        return model
    }
}

/// Largest absolute elementwise difference of two same-shaped tensors (infinite when the
/// shapes differ, so a shape slip fails any bound).
func maxAbsDifference(_ a: Tensor, _ b: Tensor) -> Float {
    guard a.shape == b.shape else { return .infinity }
    return zip(a.scalars, b.scalars).reduce(0) { Swift.max($0, Swift.abs($1.0 - $1.1)) }
}
