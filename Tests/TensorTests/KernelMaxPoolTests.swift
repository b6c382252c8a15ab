import Testing
import Tensor
import TestSupport

let maxPoolGeometries: [MaxPool2DGeometry] = [
    MaxPool2DGeometry(batch: 2, channels: 3, inHeight: 6, inWidth: 7, kernelHeight: 2, kernelWidth: 2),
    MaxPool2DGeometry(batch: 1, channels: 2, inHeight: 9, inWidth: 8, kernelHeight: 3, kernelWidth: 3,
                      strideH: 2, strideW: 2, padH: 1, padW: 1),
    MaxPool2DGeometry(batch: 1, channels: 2, inHeight: 8, inWidth: 8, kernelHeight: 3, kernelWidth: 3,
                      strideH: 2, strideW: 2, ceilMode: true),
    MaxPool2DGeometry(batch: 1, channels: 2, inHeight: 7, inWidth: 7, kernelHeight: 3, kernelWidth: 3,
                      strideH: 1, strideW: 1, padH: 1, padW: 1, dilationH: 2, dilationW: 2),
    MaxPool2DGeometry(batch: 2, channels: 24, inHeight: 20, inWidth: 18, kernelHeight: 3, kernelWidth: 3,
                      strideH: 2, strideW: 2, padH: 1, padW: 1),
]

/// The window maximum straight from the definition: padding taps excluded, the maximum value
/// and (among equal values) the first tap in row-major order.
private func directMaxPool(_ x: [Float], _ g: MaxPool2DGeometry) -> (values: [Float], indices: [Int32]) {
    var values: [Float] = [], indices: [Int32] = []
    for plane in 0..<(g.batch * g.channels) {
        for oh in 0..<g.outHeight {
            for ow in 0..<g.outWidth {
                var best: (value: Float, index: Int)?
                for ki in 0..<g.kernelHeight {
                    for kj in 0..<g.kernelWidth {
                        let ih = oh * g.strideH - g.padH + ki * g.dilationH
                        let iw = ow * g.strideW - g.padW + kj * g.dilationW
                        guard ih >= 0, ih < g.inHeight, iw >= 0, iw < g.inWidth else { continue }
                        let value = x[plane * g.inHeight * g.inWidth + ih * g.inWidth + iw]
                        if best == nil || value > best!.value { best = (value, ih * g.inWidth + iw) }
                    }
                }
                values.append(best!.value)
                indices.append(Int32(best!.index))
            }
        }
    }
    return (values, indices)
}

@Test(arguments: maxPoolGeometries)
func maxPoolForwardPicksWindowMaximumAndItsIndex(geometry g: MaxPool2DGeometry) {
    let x = KernelTestData.normal(g.batch * g.channels * g.inHeight * g.inWidth, seed: 41)
    let expected = directMaxPool(x, g)
    let actual = KernelCalls.maxPool(x, g)
    #expect(actual.values == expected.values)
    #expect(actual.indices == expected.indices)
}

@Test(arguments: maxPoolGeometries)
func maxPoolBackwardIsAdjointOfSelectingTheArgmax(geometry g: MaxPool2DGeometry) {
    // With the argmax fixed, pooling is the linear map x ↦ x[indices]; its adjoint scatters.
    let x = KernelTestData.normal(g.batch * g.channels * g.inHeight * g.inWidth, seed: 42)
    let y = KernelTestData.normal(g.batch * g.channels * g.outHeight * g.outWidth, seed: 43)
    let pooled = KernelCalls.maxPool(x, g)
    let dx = KernelCalls.maxPoolGrad(y, pooled.indices, g)
    let forward = KernelTestData.dot(pooled.values, y)
    let backward = KernelTestData.dot(x, dx)
    #expect(abs(forward - backward) <= 1e-5 * KernelTestData.absoluteDot(pooled.values, y))
}

/// Inputs are distinct values at least 0.01 apart, so a step of 1e-3 never changes any argmax
/// and the pooled loss is exactly linear across the difference; rounding of ±1e-3 on values
/// up to ~20 in float32 (≈1e-6) sets the 1e-3 tolerance.
@Test(arguments: maxPoolGeometries.prefix(4))
func maxPoolGradientMatchesFiniteDifferences(geometry g: MaxPool2DGeometry) {
    let x = KernelTestData.distinct(g.batch * g.channels * g.inHeight * g.inWidth, gap: 0.01, seed: 44)
    let r = KernelTestData.normal(g.batch * g.channels * g.outHeight * g.outWidth, seed: 45)
    let numeric = FiniteDifference.gradient(of: { KernelTestData.dot(KernelCalls.maxPool($0, g).values, r) },
                                            at: x, step: 1e-3)
    let analytic = KernelCalls.maxPoolGrad(r, KernelCalls.maxPool(x, g).indices, g)
    #expect(FiniteDifference.maxScaledError(analytic, numeric) < 1e-3)
}

@Test func maxPoolPropagatesNaNAndTakesItsIndex() {
    let g = MaxPool2DGeometry(batch: 1, channels: 1, inHeight: 2, inWidth: 4, kernelHeight: 2, kernelWidth: 2)
    let x: [Float] = [1, .nan, 5, 6,
                      3, 2, 7, .nan]
    let pooled = KernelCalls.maxPool(x, g)
    #expect(pooled.values[0].isNaN && pooled.values[1].isNaN)
    #expect(pooled.indices == [1, 7])
}

@Test func maxPoolCeilModeDropsWindowStartingInRightPadding() {
    // ceil((5 + 2 - 1 - 1) / 2) + 1 = 4, but the 4th window would start at 6 ≥ 5 + 1: 3 remain.
    let dropped = MaxPool2DGeometry(batch: 1, channels: 1, inHeight: 5, inWidth: 5, kernelHeight: 2,
                                    kernelWidth: 2, padH: 1, padW: 1, ceilMode: true)
    #expect(dropped.outHeight == 3)
    // Without padding the last ceil-mode column window starts at 6 < 8, inside the input, and stays.
    let kept = MaxPool2DGeometry(batch: 1, channels: 1, inHeight: 7, inWidth: 8, kernelHeight: 3,
                                 kernelWidth: 3, strideH: 2, strideW: 2, ceilMode: true)
    #expect(kept.outHeight == 3)
    #expect(kept.outWidth == 4)
    #expect(MaxPool2DGeometry(batch: 1, channels: 1, inHeight: 7, inWidth: 8, kernelHeight: 3,
                              kernelWidth: 3, strideH: 2, strideW: 2).outWidth == 3)
}
