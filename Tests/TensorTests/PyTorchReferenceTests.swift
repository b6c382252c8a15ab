import Foundation
import Formats
import Testing
import TestSupport
@testable import Tensor

/// Forward values of the ops whose PyTorch definitions are easy to get subtly wrong, against
/// outputs of PyTorch itself (`tools/make_tensor_fixtures.py`).
struct PyTorchReferenceTests {
    static func fixture(_ name: String) throws -> Tensor {
        let array = try NPY.read(TestPaths.fixtures.appendingPathComponent("tensor/\(name).npy"))
        return Tensor(array.floats(), shape: array.shape)
    }

    static func index(_ name: String) throws -> IndexTensor {
        let array = try NPY.read(TestPaths.fixtures.appendingPathComponent("tensor/\(name).npy"))
        return IndexTensor(try array.int64s().map { Int($0) }, shape: array.shape)
    }

    /// float32 results of the same formula differ by summation order and by our vectorised
    /// exp/erf (≤ 2 ulp, 4e-7 absolute); 2e-5 relative to the output scale covers that and
    /// is orders of magnitude below any definitional mistake (eps placement, biased variance).
    func expectClose(_ actual: Tensor, _ expected: Tensor, tolerance: Float = 2e-5,
                     sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(actual.shape == expected.shape, sourceLocation: sourceLocation)
        guard actual.shape == expected.shape else { return }
        let scale = Swift.max(1, expected.scalars.map { Swift.abs($0) }.max() ?? 1)
        let worst = zip(actual.scalars, expected.scalars).map { Swift.abs($0 - $1) }.max() ?? 0
        #expect(worst <= tolerance * scale, "max error \(worst)", sourceLocation: sourceLocation)
    }

    @Test func groupNormMatchesPyTorch() throws {
        let x = try Self.fixture("group_norm_input")
        let y = x.groupNorm(groups: 3, weight: try Self.fixture("group_norm_weight"),
                            bias: try Self.fixture("group_norm_bias"), eps: 1e-5)
        expectClose(y, try Self.fixture("group_norm_output"))
    }

    @Test func layerNormMatchesPyTorch() throws {
        let y = try Self.fixture("layer_norm_input").layerNorm(
            weight: try Self.fixture("layer_norm_weight"), bias: try Self.fixture("layer_norm_bias"), eps: 1e-6)
        expectClose(y, try Self.fixture("layer_norm_output"))
    }

    @Test func layerNorm2dMatchesSAM() throws {
        let y = try Self.fixture("layer_norm2d_input").layerNorm2d(
            weight: try Self.fixture("layer_norm2d_weight"), bias: try Self.fixture("layer_norm2d_bias"), eps: 1e-6)
        expectClose(y, try Self.fixture("layer_norm2d_output"))
    }

    @Test func geluBothFormsMatchPyTorch() throws {
        let x = try Self.fixture("gelu_input")
        expectClose(x.gelu(), try Self.fixture("gelu_exact"))
        expectClose(x.gelu(approximate: .tanh), try Self.fixture("gelu_tanh"))
    }

    @Test func softmaxAndLogSoftmaxMatchPyTorch() throws {
        let x = try Self.fixture("softmax_input")
        expectClose(x.softmax(axis: -1), try Self.fixture("softmax_last"))
        expectClose(x.softmax(axis: 1), try Self.fixture("softmax_middle"))
        expectClose(x.logSoftmax(axis: -1), try Self.fixture("softmax_log_last"))
        expectClose(x.logSoftmax(axis: 0), try Self.fixture("softmax_log_first"))
    }

    @Test func varianceMatchesPyTorch() throws {
        let x = try Self.fixture("var_input")
        expectClose(x.variance(axes: [0, 2]), try Self.fixture("var_unbiased_0_2"))
        expectClose(x.variance(axis: 1, unbiased: false, keepDims: true), try Self.fixture("var_biased_1_keepdim"))
        expectClose(x.variance(), try Self.fixture("var_unbiased_all"))
    }

    @Test func batchNormTrainUpdatesRunningStatsAndEvalUsesThem() throws {
        var mean = try Self.fixture("batch_norm_running_mean_before")
        var variance = try Self.fixture("batch_norm_running_var_before")
        let weight = try Self.fixture("batch_norm_weight"), bias = try Self.fixture("batch_norm_bias")
        let trained = try Self.fixture("batch_norm_train_input").batchNorm(
            runningMean: &mean, runningVariance: &variance, weight: weight, bias: bias, training: true)
        expectClose(trained, try Self.fixture("batch_norm_train_output"))
        expectClose(mean, try Self.fixture("batch_norm_running_mean_after"))
        expectClose(variance, try Self.fixture("batch_norm_running_var_after"))
        let evaluated = try Self.fixture("batch_norm_eval_input").batchNorm(
            runningMean: &mean, runningVariance: &variance, weight: weight, bias: bias, training: false)
        expectClose(evaluated, try Self.fixture("batch_norm_eval_output"))
    }

    @Test(arguments: ["batched", "shared", "vector_left", "vector_right", "dot"])
    func matmulMatchesPyTorch(_ layout: String) throws {
        let a = try Self.fixture("matmul_\(layout)_a"), b = try Self.fixture("matmul_\(layout)_b")
        expectClose(a.matmul(b), try Self.fixture("matmul_\(layout)_output"))
    }

    @Test func gatherMatchesPyTorch() throws {
        let y = try Self.fixture("gather_input").gather(axis: 1, try Self.index("gather_index"))
        expectClose(y, try Self.fixture("gather_output"), tolerance: 0)
    }
}
