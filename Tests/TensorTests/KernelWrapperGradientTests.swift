import Testing
@testable import Tensor

/// Gradients of the differentiable wrappers around the convolution, pooling and resampling
/// kernels, against finite differences.
struct KernelWrapperGradientTests {
    @Test func conv2dWithStridePaddingDilationAndGroups() {
        expectGradientsMatch([Sample.uniform([2, 4, 5, 6], seed: 90), Sample.uniform([6, 2, 3, 2], seed: 91),
                              Sample.uniform([6], seed: 92)]) {
            $0[0].conv2d(weight: $0[1], bias: $0[2], stride: Size2D(2, 1), padding: Size2D(1, 2),
                         dilation: Size2D(1, 2), groups: 2)
        }
        expectGradientsMatch([Sample.uniform([1, 2, 4, 4], seed: 93), Sample.uniform([3, 2, 3, 3], seed: 94)]) {
            $0[0].conv2d(weight: $0[1], padding: 1)
        }
    }

    @Test func convTranspose2dWithOutputPadding() {
        expectGradientsMatch([Sample.uniform([2, 4, 3, 3], seed: 95), Sample.uniform([4, 3, 3, 2], seed: 96),
                              Sample.uniform([6], seed: 97)]) {
            $0[0].convTranspose2d(weight: $0[1], bias: $0[2], stride: 2, padding: Size2D(1, 0),
                                  outputPadding: 1, groups: 2)
        }
    }

    @Test func maxPool2dRoutesToTheMaximum() {
        // A permutation of well-separated values: no ties, and no window maximum changes
        // under a ±1e-2 step.
        var generator = SeededGenerator(seed: 98)
        let values = (0..<(2 * 2 * 5 * 5)).map { Float($0) * 0.1 }.shuffled(using: &generator)
        expectGradientsMatch([Tensor(values, shape: [2, 2, 5, 5])]) {
            $0[0].maxPool2d(kernel: 2, stride: 2, ceilMode: true)
        }
        expectGradientsMatch([Tensor(values, shape: [2, 2, 5, 5])]) {
            $0[0].maxPool2d(kernel: 3, stride: 1, padding: 1)
        }
    }

    @Test func bilinearResizeBothCornerModes() {
        let x = Sample.uniform([1, 2, 3, 4], seed: 99)
        expectGradientsMatch([x]) { $0[0].interpolated(size: Size2D(5, 7), mode: .bilinear(alignCorners: false)) }
        expectGradientsMatch([x]) { $0[0].interpolated(size: Size2D(2, 6), mode: .bilinear(alignCorners: true)) }
        expectGradientsMatch([x]) { $0[0].interpolated(scaleFactor: 1.5, mode: .bilinear(alignCorners: false)) }
    }

    @Test func nearestResizeUpAndDown() {
        let x = Sample.uniform([2, 1, 4, 3], seed: 100)
        expectGradientsMatch([x]) { $0[0].interpolated(size: Size2D(7, 2), mode: .nearest) }
        expectGradientsMatch([x]) { $0[0].interpolated(scaleFactor: 2, mode: .nearest) }
    }
}
