import Testing
@testable import Tensor

/// Gradients of matmul, linear and the normalisations against finite differences.
struct LinearAlgebraGradientTests {
    @Test func matrixProduct() {
        expectGradientsMatch([Sample.uniform([3, 4], seed: 60), Sample.uniform([4, 2], seed: 61)]) { $0[0].matmul($0[1]) }
    }

    @Test func batchedProductBroadcastsBatchAxes() {
        expectGradientsMatch([Sample.uniform([2, 1, 3, 4], seed: 62), Sample.uniform([3, 4, 2], seed: 63)]) {
            $0[0].matmul($0[1])
        }
        expectGradientsMatch([Sample.uniform([2, 3, 4], seed: 64), Sample.uniform([4, 5], seed: 65)]) { $0[0].matmul($0[1]) }
    }

    @Test func vectorOperandsArePromotedAndSqueezed() {
        expectGradientsMatch([Sample.uniform([4], seed: 66), Sample.uniform([2, 4, 3], seed: 67)]) { $0[0].matmul($0[1]) }
        expectGradientsMatch([Sample.uniform([2, 3, 4], seed: 68), Sample.uniform([4], seed: 69)]) { $0[0].matmul($0[1]) }
        expectGradientsMatch([Sample.uniform([4], seed: 70), Sample.uniform([4], seed: 71)]) { $0[0].matmul($0[1]) }
    }

    /// The product accumulates onto the addend inside the GEMM: the same value as adding
    /// afterwards, full-size, broadcast and batch-broadcast addends alike, and their gradients.
    @Test func productOntoAnAddend() {
        let a = Sample.uniform([2, 3, 4], seed: 90), b = Sample.uniform([4, 5], seed: 91)
        for addend in [Sample.uniform([2, 3, 5], seed: 92), Sample.uniform([3, 1], seed: 93), Sample.uniform([5], seed: 94)] {
            TensorFixtures.expectClose(a.matmul(b, adding: addend), a.matmul(b) + addend, tolerance: 1e-6)
            expectGradientsMatch([a, b, addend]) { $0[0].matmul($0[1], adding: $0[2]) }
        }
        let batched = Sample.uniform([2, 4, 5], seed: 95), addend = Sample.uniform([1, 3, 5], seed: 96)
        TensorFixtures.expectClose(a.matmul(batched, adding: addend), a.matmul(batched) + addend, tolerance: 1e-6)
        expectGradientsMatch([a, batched, addend]) { $0[0].matmul($0[1], adding: $0[2]) }
    }

    @Test func linearWithBiasOverLeadingAxes() {
        expectGradientsMatch([Sample.uniform([2, 3, 4], seed: 72), Sample.uniform([5, 4], seed: 73), Sample.uniform([5], seed: 74)]) {
            $0[0].linear(weight: $0[1], bias: $0[2])
        }
    }

    @Test func layerNormWithAndWithoutAffine() {
        let x = Sample.uniform([2, 3, 6], -2, 2, seed: 75)
        expectGradientsMatch([x, Sample.uniform([6], seed: 76), Sample.uniform([6], seed: 77)]) {
            $0[0].layerNorm(weight: $0[1], bias: $0[2], eps: 1e-5)
        }
        expectGradientsMatch([x]) { $0[0].layerNorm() }
    }

    @Test func channelLayerNorm2d() {
        expectGradientsMatch([Sample.uniform([2, 3, 2, 2], -2, 2, seed: 78), Sample.uniform([3], seed: 79), Sample.uniform([3], seed: 80)]) {
            $0[0].layerNorm2d(weight: $0[1], bias: $0[2])
        }
    }

    @Test func groupNorm() {
        expectGradientsMatch([Sample.uniform([2, 4, 3], -2, 2, seed: 81), Sample.uniform([4], seed: 82), Sample.uniform([4], seed: 83)]) {
            $0[0].groupNorm(groups: 2, weight: $0[1], bias: $0[2])
        }
    }

    @Test func batchNormTrainingAndEvaluation() {
        let x = Sample.uniform([3, 2, 2, 2], -2, 2, seed: 84)
        let weight = Sample.uniform([2], seed: 85), bias = Sample.uniform([2], seed: 86)
        expectGradientsMatch([x, weight, bias]) { v in
            var mean = Tensor.zeros([2]), variance = Tensor.ones([2])
            return v[0].batchNorm(runningMean: &mean, runningVariance: &variance, weight: v[1], bias: v[2], training: true)
        }
        expectGradientsMatch([x, weight, bias]) { v in
            var mean = Tensor([0.1, -0.2]), variance = Tensor([0.5, 2])
            return v[0].batchNorm(runningMean: &mean, runningVariance: &variance, weight: v[1], bias: v[2], training: false)
        }
    }
}
