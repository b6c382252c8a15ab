import Testing
import Tensor
import TestSupport

/// Geometries covering each lowering path: general im2col, strided/padded/dilated taps, groups
/// (sequential and concurrent per-group GEMMs), depthwise, and the 1×1 identity shortcut.
let convolutionGeometries: [Conv2DGeometry] = [
    Conv2DGeometry(batch: 2, inChannels: 3, inHeight: 7, inWidth: 6, outChannels: 4, kernelHeight: 3, kernelWidth: 3),
    Conv2DGeometry(batch: 1, inChannels: 2, inHeight: 9, inWidth: 8, outChannels: 3, kernelHeight: 3, kernelWidth: 3,
                   strideH: 2, strideW: 2, padH: 1, padW: 1),
    Conv2DGeometry(batch: 1, inChannels: 2, inHeight: 10, inWidth: 9, outChannels: 2, kernelHeight: 3, kernelWidth: 2,
                   strideH: 1, strideW: 3, padH: 2, padW: 3, dilationH: 2, dilationW: 3),
    Conv2DGeometry(batch: 2, inChannels: 4, inHeight: 6, inWidth: 7, outChannels: 6, kernelHeight: 3, kernelWidth: 2,
                   padH: 1, groups: 2),
    Conv2DGeometry(batch: 2, inChannels: 3, inHeight: 7, inWidth: 5, outChannels: 6, kernelHeight: 3, kernelWidth: 3,
                   padH: 1, padW: 1, groups: 3),
    // Depthwise and large enough that the per-group GEMMs run concurrently and im2col is parallel.
    Conv2DGeometry(batch: 1, inChannels: 32, inHeight: 16, inWidth: 16, outChannels: 32, kernelHeight: 3, kernelWidth: 3,
                   padH: 1, padW: 1, groups: 32),
    // Depthwise with stride and dilation (the direct depthwise forward's strided and clipped taps).
    Conv2DGeometry(batch: 2, inChannels: 6, inHeight: 9, inWidth: 8, outChannels: 6, kernelHeight: 3, kernelWidth: 3,
                   strideH: 2, strideW: 2, padH: 1, padW: 2, dilationW: 2, groups: 6),
    Conv2DGeometry(batch: 3, inChannels: 5, inHeight: 4, inWidth: 5, outChannels: 3, kernelHeight: 1, kernelWidth: 1),
    Conv2DGeometry(batch: 1, inChannels: 4, inHeight: 7, inWidth: 7, outChannels: 2, kernelHeight: 1, kernelWidth: 1,
                   strideH: 2, strideW: 2),
    // Parallel im2col/col2im over channels with a threaded GEMM.
    Conv2DGeometry(batch: 2, inChannels: 16, inHeight: 24, inWidth: 20, outChannels: 8, kernelHeight: 3, kernelWidth: 3,
                   strideH: 1, strideW: 1, padH: 1, padW: 1),
]

/// Σᵢ |yᵢ|·(Σ of the magnitudes of the terms of output i): bounds the magnitude of every term
/// of ⟨conv(x), y⟩ and of ⟨x, convᵀ(y)⟩ alike, since both expand to the same triple products.
private func productMagnitude(_ reference: KernelReference.Result, _ y: [Float]) -> Double {
    zip(reference.magnitudes, y).reduce(0) { $0 + $1.0 * abs(Double($1.1)) }
}

@Test(arguments: convolutionGeometries)
func convolutionForwardMatchesDirectLoops(geometry g: Conv2DGeometry) {
    let x = KernelTestData.normal(g.inputCount, seed: 1)
    let w = KernelTestData.normal(g.weightCount, seed: 2)
    let b = KernelTestData.normal(g.outChannels, seed: 3)
    let reference = KernelReference.conv(x, w, b, g)
    #expect(reference.matches(KernelCalls.conv(x, w, b, g), terms: KernelReference.terms(g)))
    let unbiased = KernelReference.conv(x, w, nil, g)
    #expect(unbiased.matches(KernelCalls.conv(x, w, nil, g), terms: KernelReference.terms(g)))
}

@Test(arguments: convolutionGeometries)
func convolutionInputGradientIsAdjointOfForward(geometry g: Conv2DGeometry) {
    let x = KernelTestData.normal(g.inputCount, seed: 4)
    let w = KernelTestData.normal(g.weightCount, seed: 5)
    let y = KernelTestData.normal(g.outputCount, seed: 6)
    let forward = KernelTestData.dot(KernelCalls.conv(x, w, nil, g), y)
    let backward = KernelTestData.dot(x, KernelCalls.convInputGrad(y, w, g))
    let bound = 2 * Double(KernelReference.terms(g) + 2) * 0x1p-24
        * productMagnitude(KernelReference.conv(x, w, nil, g), y)
    #expect(abs(forward - backward) <= bound, "⟨conv x, y⟩ = \(forward), ⟨x, convᵀ y⟩ = \(backward)")
}

@Test(arguments: convolutionGeometries)
func convolutionWeightGradientIsAdjointOfForward(geometry g: Conv2DGeometry) {
    let x = KernelTestData.normal(g.inputCount, seed: 7)
    let w = KernelTestData.normal(g.weightCount, seed: 8)
    let y = KernelTestData.normal(g.outputCount, seed: 9)
    let forward = KernelTestData.dot(KernelCalls.conv(x, w, nil, g), y)
    let backward = KernelTestData.dot(w, KernelCalls.convWeightGrad(x, y, g).weight)
    // Each weight-gradient entry sums over the batch and every output position.
    let terms = KernelReference.terms(g) + g.batch * g.outHeight * g.outWidth
    let bound = 2 * Double(terms + 2) * 0x1p-24 * productMagnitude(KernelReference.conv(x, w, nil, g), y)
    #expect(abs(forward - backward) <= bound, "⟨conv_w x, y⟩ = \(forward), ⟨w, dW⟩ = \(backward)")
}

@Test(arguments: convolutionGeometries)
func convolutionBiasGradientSumsEachOutputChannel(geometry g: Conv2DGeometry) {
    let x = KernelTestData.normal(g.inputCount, seed: 10)
    let y = KernelTestData.normal(g.outputCount, seed: 11)
    let plane = g.outHeight * g.outWidth
    let expected: [Float] = (0..<g.outChannels).map { o in
        Float((0..<g.batch).reduce(0.0) { total, n in
            total + y[((n * g.outChannels + o) * plane)..<((n * g.outChannels + o + 1) * plane)]
                .reduce(0.0) { $0 + Double($1) }
        })
    }
    #expect(KernelTestData.maxScaledError(KernelCalls.convWeightGrad(x, y, g).bias, expected) < 1e-6)
}

/// The loss ⟨conv(x, w, b), r⟩ is linear in each of x, w and b, so a central difference has no
/// truncation error at any step; a large step (0.5) keeps float32 rounding of the forward pass,
/// about 2⁻²⁴·Σ|terms|/step, far below the 1e-4 tolerance.
@Test(arguments: [convolutionGeometries[1], convolutionGeometries[2], convolutionGeometries[4]])
func convolutionGradientsMatchFiniteDifferences(geometry g: Conv2DGeometry) {
    let x = KernelTestData.normal(g.inputCount, seed: 12)
    let w = KernelTestData.normal(g.weightCount, seed: 13)
    let b = KernelTestData.normal(g.outChannels, seed: 14)
    let r = KernelTestData.normal(g.outputCount, seed: 15)
    let numericX = FiniteDifference.gradient(of: { KernelTestData.dot(KernelCalls.conv($0, w, b, g), r) }, at: x, step: 0.5)
    let numericW = FiniteDifference.gradient(of: { KernelTestData.dot(KernelCalls.conv(x, $0, b, g), r) }, at: w, step: 0.5)
    let numericB = FiniteDifference.gradient(of: { KernelTestData.dot(KernelCalls.conv(x, w, $0, g), r) }, at: b, step: 0.5)
    let weightGrads = KernelCalls.convWeightGrad(x, r, g)
    #expect(FiniteDifference.maxScaledError(KernelCalls.convInputGrad(r, w, g), numericX) < 1e-4)
    #expect(FiniteDifference.maxScaledError(weightGrads.weight, numericW) < 1e-4)
    #expect(FiniteDifference.maxScaledError(weightGrads.bias, numericB) < 1e-4)
}

@Test func convolutionOutputSizeFollowsPyTorchFormula() {
    // floor((10 + 2·2 - 2·(3-1) - 1) / 3) + 1 = 4, and floor((9 + 0 - 1·(4-1) - 1) / 2) + 1 = 3.
    let g = Conv2DGeometry(batch: 1, inChannels: 1, inHeight: 10, inWidth: 9, outChannels: 1,
                           kernelHeight: 3, kernelWidth: 4, strideH: 3, strideW: 2, padH: 2, dilationH: 2)
    #expect(g.outHeight == 4)
    #expect(g.outWidth == 3)
}
