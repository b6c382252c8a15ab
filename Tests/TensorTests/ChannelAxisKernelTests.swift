import Testing
@testable import Tensor

/// Softmax along an inner axis and the channel LayerNorm run in their strided layout, in
/// strips of positions; each must equal the same function composed of last-axis ops, strips
/// of a full and a partial width included (300 positions: 256 + 44).
struct ChannelAxisKernelTests {
    @Test func softmaxAlongAnInnerAxisMatchesTheLastAxisSoftmaxOfTheTranspose() {
        let x = Sample.uniform([2, 7, 300], -6, 6, seed: 120)
        let viaLastAxis = x.transposed(1, 2).softmax(axis: -1).transposed(1, 2)
        TensorFixtures.expectClose(x.softmax(axis: 1), viaLastAxis, tolerance: 1e-6)
        let logViaLastAxis = x.transposed(1, 2).logSoftmax(axis: -1).transposed(1, 2)
        TensorFixtures.expectClose(x.logSoftmax(axis: 1), logViaLastAxis, tolerance: 1e-5)
        // The first axis, with several inner axes behind it.
        let y = Sample.uniform([3, 4, 5, 6], -6, 6, seed: 121)
        TensorFixtures.expectClose(y.softmax(axis: 0), y.permuted(1, 2, 3, 0).softmax(axis: -1).permuted(3, 0, 1, 2),
                                   tolerance: 1e-6)
    }

    /// Masked (-inf) entries get exactly zero weight, as in the last-axis kernel.
    @Test func softmaxAlongAnInnerAxisZeroesMinusInfinity() {
        var x = Sample.uniform([3, 5], seed: 122)
        x.withUnsafeMutableBufferPointer { $0[1] = -.infinity }
        let y = x.softmax(axis: 0)
        #expect(y[0, 1] == 0)
        #expect(abs(y[1, 1] + y[2, 1] - 1) < 1e-6)
    }

    @Test func channelLayerNormMatchesTheComposedNormalisation() {
        for shape in [[2, 5, 300], [1, 3, 4, 7], [3, 6]] {
            let x = Sample.uniform(shape, -3, 3, seed: 123)
            let weight = Sample.uniform([shape[1]], seed: 124), bias = Sample.uniform([shape[1]], seed: 125)
            let perChannel = [1, shape[1]] + [Int](repeating: 1, count: shape.count - 2)
            let centered = x - x.mean(axis: 1, keepDims: true)
            let composed = centered / (centered.squared().mean(axis: 1, keepDims: true) + 1e-5).sqrt()
                * weight.reshaped(perChannel) + bias.reshaped(perChannel)
            TensorFixtures.expectClose(x.channelLayerNorm(weight: weight, bias: bias, eps: 1e-5), composed)
            // It is `layerNorm` of the features-last transpose.
            let last = x.rank - 1
            let featuresLast = x.transposed(1, last).layerNorm(weight: weight, bias: bias, eps: 1e-5).transposed(1, last)
            TensorFixtures.expectClose(x.channelLayerNorm(weight: weight, bias: bias, eps: 1e-5), featuresLast)
        }
    }

    @Test func channelLayerNormGradients() {
        expectGradientsMatch([Sample.uniform([2, 3, 5], -2, 2, seed: 126), Sample.uniform([3], seed: 127),
                              Sample.uniform([3], seed: 128)]) {
            $0[0].channelLayerNorm(weight: $0[1], bias: $0[2], eps: 1e-5)
        }
    }
}
