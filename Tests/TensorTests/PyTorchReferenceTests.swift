import Testing
@testable import Tensor

/// Forward values of the ops whose PyTorch definitions are easy to get subtly wrong, against
/// outputs of PyTorch itself (`tools/make_tensor_fixtures.py`).
struct PyTorchReferenceTests {
    @Test func groupNormMatchesPyTorch() throws {
        let x = try TensorFixtures.tensor("group_norm_input")
        let y = x.groupNorm(groups: 3, weight: try TensorFixtures.tensor("group_norm_weight"),
                            bias: try TensorFixtures.tensor("group_norm_bias"), eps: 1e-5)
        TensorFixtures.expectClose(y, try TensorFixtures.tensor("group_norm_output"))
    }

    @Test func layerNormMatchesPyTorch() throws {
        let y = try TensorFixtures.tensor("layer_norm_input").layerNorm(
            weight: try TensorFixtures.tensor("layer_norm_weight"), bias: try TensorFixtures.tensor("layer_norm_bias"), eps: 1e-6)
        TensorFixtures.expectClose(y, try TensorFixtures.tensor("layer_norm_output"))
    }

    @Test func layerNorm2dMatchesSAM() throws {
        let y = try TensorFixtures.tensor("layer_norm2d_input").layerNorm2d(
            weight: try TensorFixtures.tensor("layer_norm2d_weight"), bias: try TensorFixtures.tensor("layer_norm2d_bias"), eps: 1e-6)
        TensorFixtures.expectClose(y, try TensorFixtures.tensor("layer_norm2d_output"))
    }

    @Test func geluBothFormsMatchPyTorch() throws {
        let x = try TensorFixtures.tensor("gelu_input")
        TensorFixtures.expectClose(x.gelu(), try TensorFixtures.tensor("gelu_exact"))
        TensorFixtures.expectClose(x.gelu(approximate: .tanh), try TensorFixtures.tensor("gelu_tanh"))
    }

    @Test func softmaxAndLogSoftmaxMatchPyTorch() throws {
        let x = try TensorFixtures.tensor("softmax_input")
        TensorFixtures.expectClose(x.softmax(axis: -1), try TensorFixtures.tensor("softmax_last"))
        TensorFixtures.expectClose(x.softmax(axis: 1), try TensorFixtures.tensor("softmax_middle"))
        TensorFixtures.expectClose(x.logSoftmax(axis: -1), try TensorFixtures.tensor("softmax_log_last"))
        TensorFixtures.expectClose(x.logSoftmax(axis: 0), try TensorFixtures.tensor("softmax_log_first"))
    }

    @Test func varianceMatchesPyTorch() throws {
        let x = try TensorFixtures.tensor("var_input")
        TensorFixtures.expectClose(x.variance(axes: [0, 2]), try TensorFixtures.tensor("var_unbiased_0_2"))
        TensorFixtures.expectClose(x.variance(axis: 1, unbiased: false, keepDims: true), try TensorFixtures.tensor("var_biased_1_keepdim"))
        TensorFixtures.expectClose(x.variance(), try TensorFixtures.tensor("var_unbiased_all"))
    }

    @Test func batchNormTrainUpdatesRunningStatsAndEvalUsesThem() throws {
        var mean = try TensorFixtures.tensor("batch_norm_running_mean_before")
        var variance = try TensorFixtures.tensor("batch_norm_running_var_before")
        let weight = try TensorFixtures.tensor("batch_norm_weight"), bias = try TensorFixtures.tensor("batch_norm_bias")
        let trained = try TensorFixtures.tensor("batch_norm_train_input").batchNorm(
            runningMean: &mean, runningVariance: &variance, weight: weight, bias: bias, training: true)
        TensorFixtures.expectClose(trained, try TensorFixtures.tensor("batch_norm_train_output"))
        TensorFixtures.expectClose(mean, try TensorFixtures.tensor("batch_norm_running_mean_after"))
        TensorFixtures.expectClose(variance, try TensorFixtures.tensor("batch_norm_running_var_after"))
        let evaluated = try TensorFixtures.tensor("batch_norm_eval_input").batchNorm(
            runningMean: &mean, runningVariance: &variance, weight: weight, bias: bias, training: false)
        TensorFixtures.expectClose(evaluated, try TensorFixtures.tensor("batch_norm_eval_output"))
    }

    @Test(arguments: ["batched", "shared", "vector_left", "vector_right", "dot"])
    func matmulMatchesPyTorch(_ layout: String) throws {
        let a = try TensorFixtures.tensor("matmul_\(layout)_a"), b = try TensorFixtures.tensor("matmul_\(layout)_b")
        TensorFixtures.expectClose(a.matmul(b), try TensorFixtures.tensor("matmul_\(layout)_output"))
    }

    @Test func gatherMatchesPyTorch() throws {
        let y = try TensorFixtures.tensor("gather_input").gather(axis: 1, try TensorFixtures.index("gather_index"))
        TensorFixtures.expectClose(y, try TensorFixtures.tensor("gather_output"), tolerance: 0)
    }
}

/// The kernel wrappers' forward values with non-square settings against PyTorch: a height and
/// width swapped on the way to the kernels, or a wrong scale-factor output size, shows here.
struct KernelWrapperReferenceTests {
    @Test func conv2dMatchesPyTorch() throws {
        let y = try TensorFixtures.tensor("conv2d_input").conv2d(
            weight: try TensorFixtures.tensor("conv2d_weight"), bias: try TensorFixtures.tensor("conv2d_bias"),
            stride: Size2D(2, 1), padding: Size2D(1, 2), dilation: Size2D(1, 2), groups: 2)
        TensorFixtures.expectClose(y, try TensorFixtures.tensor("conv2d_output"))
    }

    @Test func convTranspose2dMatchesPyTorch() throws {
        let y = try TensorFixtures.tensor("conv_transpose2d_input").convTranspose2d(
            weight: try TensorFixtures.tensor("conv_transpose2d_weight"),
            bias: try TensorFixtures.tensor("conv_transpose2d_bias"),
            stride: Size2D(2, 3), padding: Size2D(1, 0), outputPadding: Size2D(1, 2), groups: 2)
        TensorFixtures.expectClose(y, try TensorFixtures.tensor("conv_transpose2d_output"))
    }

    @Test func maxPool2dMatchesPyTorch() throws {
        let y = try TensorFixtures.tensor("max_pool2d_input").maxPool2d(
            kernel: Size2D(3, 2), stride: 2, padding: Size2D(1, 0), ceilMode: true)
        TensorFixtures.expectClose(y, try TensorFixtures.tensor("max_pool2d_output"), tolerance: 0)
    }

    @Test func interpolateMatchesPyTorch() throws {
        let x = try TensorFixtures.tensor("interpolate_input")
        TensorFixtures.expectClose(x.interpolated(size: Size2D(7, 3), mode: .bilinear(alignCorners: false)),
                              try TensorFixtures.tensor("interpolate_bilinear_size"))
        TensorFixtures.expectClose(x.interpolated(size: Size2D(9, 6), mode: .bilinear(alignCorners: true)),
                              try TensorFixtures.tensor("interpolate_bilinear_corners"))
        TensorFixtures.expectClose(x.interpolated(scaleFactor: (1.7, 2.5), mode: .bilinear(alignCorners: false)),
                              try TensorFixtures.tensor("interpolate_bilinear_scale"))
        TensorFixtures.expectClose(x.interpolated(scaleFactor: (0.6, 1.5), mode: .nearest),
                              try TensorFixtures.tensor("interpolate_nearest_scale"), tolerance: 0)
    }
}
