import Testing
@testable import Tensor

/// Gradients of reductions, softmax, shape and indexing ops against finite differences.
struct StructuralGradientTests {
    @Test func sumOverSeveralAxes() {
        expectGradientsMatch([Sample.uniform([2, 3, 4], seed: 30)]) { $0[0].sum(axes: [0, 2]) }
        expectGradientsMatch([Sample.uniform([2, 3, 4], seed: 31)]) { $0[0].sum(axes: [1], keepDims: true) * $0[0] }
        expectGradientsMatch([Sample.uniform([2, 3], seed: 32)]) { $0[0].sum() }
    }

    @Test func meanOverAxes() {
        expectGradientsMatch([Sample.uniform([2, 3, 4], seed: 33)]) { $0[0].mean(axes: [1, 2], keepDims: true) }
    }

    @Test func maxAndMinOverAxes() {
        expectGradientsMatch([Sample.uniform([3, 4, 2], seed: 34)]) { $0[0].max(axis: 1) }
        expectGradientsMatch([Sample.uniform([3, 4, 2], seed: 35)]) { $0[0].min(axes: [0, 2]) }
    }

    @Test func varianceBiasedAndUnbiased() {
        expectGradientsMatch([Sample.uniform([2, 3, 4], seed: 36)]) { $0[0].variance(axes: [0, 2]) }
        expectGradientsMatch([Sample.uniform([3, 4], seed: 37)]) { $0[0].variance(unbiased: false) }
    }

    @Test func softmaxAndLogSoftmaxOnLastAndInnerAxes() {
        let x = Sample.uniform([2, 3, 4], -2, 2, seed: 38)
        expectGradientsMatch([x]) { $0[0].softmax(axis: -1) }
        expectGradientsMatch([x]) { $0[0].softmax(axis: 1) }
        expectGradientsMatch([x]) { $0[0].logSoftmax(axis: -1) }
        expectGradientsMatch([x]) { $0[0].logSoftmax(axis: 0) }
    }

    @Test func reshapePermuteAndTransposeFeedOtherOps() {
        let w = Sample.uniform([4, 2, 3], seed: 39)
        expectGradientsMatch([Sample.uniform([2, 3, 4], seed: 40)]) { x in
            (x[0].permuted(2, 0, 1) * w).reshaped(4, -1).transposed(0, 1).exp()
        }
    }

    @Test func slicesAlongFirstAndInnerAxes() {
        expectGradientsMatch([Sample.uniform([5, 6], seed: 41)]) { $0[0].slice(axis: 0, 1, 4) * 2 }
        expectGradientsMatch([Sample.uniform([5, 6], seed: 42)]) { $0[0].slice(axis: 1, -5, nil, step: 2).sin() }
        expectGradientsMatch([Sample.uniform([3, 2], seed: 43)]) { $0[0][index: 1] * $0[0][index: 2] }
    }

    @Test func concatenateAndStack() {
        let inputs = [Sample.uniform([2, 3], seed: 44), Sample.uniform([2, 1], seed: 45), Sample.uniform([2, 3], seed: 46)]
        expectGradientsMatch(inputs) { Tensor.concatenate($0, axis: 1).exp() }
        expectGradientsMatch([inputs[0], inputs[2]]) { Tensor.stack($0, axis: 1).sin() }
    }

    @Test func constantAndReflectPadding() {
        expectGradientsMatch([Sample.uniform([2, 3, 4], seed: 47)]) { $0[0].padded([1, 2, 0, 1], value: 0.5).exp() }
        expectGradientsMatch([Sample.uniform([1, 3, 4], seed: 48)]) { $0[0].padded([2, 1, 1, 2], mode: .reflect).sin() }
    }

    @Test func expandAndRepeat() {
        expectGradientsMatch([Sample.uniform([3, 1], seed: 49)]) { $0[0].expanded(to: [2, 3, 4]).sin() }
        expectGradientsMatch([Sample.uniform([2, 3], seed: 50)]) { $0[0].repeated([2, 1, 2]).cos() }
    }

    @Test func indexSelectAndGatherScatterAdd() {
        expectGradientsMatch([Sample.uniform([4, 3], seed: 51)]) { $0[0].indexSelect(axis: 0, [2, 0, 2, 3]).sin() }
        expectGradientsMatch([Sample.uniform([2, 5], seed: 52)]) { $0[0].indexSelect(axis: -1, [4, 4, 1]).cos() }
        let index = IndexTensor([0, 2, 2, 1, 1, 0], shape: [2, 3])
        expectGradientsMatch([Sample.uniform([2, 4], seed: 53)]) { $0[0].gather(axis: 1, index).sin() }
        let rows = IndexTensor([1, 0, 1], shape: [1, 3])
        expectGradientsMatch([Sample.uniform([2, 3], seed: 54)]) { $0[0].gather(axis: 0, rows).exp() }
    }
}
