import Testing
import Tensor
import TestSupport

/// Geometries covering stride, padding, output padding (by stride and by dilation), groups,
/// the 2×2 stride-2 upsampling of decoders, the 1×1 identity shortcut, and a non-square
/// kernel equal to its stride.
let transposeGeometries: [ConvTranspose2DGeometry] = [
    ConvTranspose2DGeometry(batch: 2, inChannels: 3, inHeight: 4, inWidth: 5, outChannels: 2,
                            kernelHeight: 3, kernelWidth: 3),
    ConvTranspose2DGeometry(batch: 1, inChannels: 2, inHeight: 4, inWidth: 3, outChannels: 3,
                            kernelHeight: 3, kernelWidth: 3, strideH: 2, strideW: 2, padH: 1, padW: 1,
                            outputPaddingH: 1, outputPaddingW: 1),
    ConvTranspose2DGeometry(batch: 1, inChannels: 4, inHeight: 3, inWidth: 4, outChannels: 6,
                            kernelHeight: 3, kernelWidth: 3, strideH: 2, strideW: 2, outputPaddingH: 1,
                            dilationH: 2, dilationW: 2, groups: 2),
    ConvTranspose2DGeometry(batch: 2, inChannels: 4, inHeight: 3, inWidth: 3, outChannels: 2,
                            kernelHeight: 2, kernelWidth: 2, strideH: 2, strideW: 2),
    ConvTranspose2DGeometry(batch: 1, inChannels: 2, inHeight: 3, inWidth: 3, outChannels: 2,
                            kernelHeight: 3, kernelWidth: 3, outputPaddingH: 1, outputPaddingW: 1,
                            dilationH: 2, dilationW: 2),
    ConvTranspose2DGeometry(batch: 1, inChannels: 3, inHeight: 5, inWidth: 4, outChannels: 4,
                            kernelHeight: 2, kernelWidth: 3, strideH: 1, strideW: 3, padH: 1, padW: 1),
    ConvTranspose2DGeometry(batch: 2, inChannels: 6, inHeight: 4, inWidth: 3, outChannels: 3,
                            kernelHeight: 1, kernelWidth: 1, groups: 3),
    ConvTranspose2DGeometry(batch: 2, inChannels: 3, inHeight: 2, inWidth: 5, outChannels: 4,
                            kernelHeight: 2, kernelWidth: 3, strideH: 2, strideW: 3),
]

/// Σᵢ |yᵢ|·(Σ of the magnitudes of the terms of output i), as for the convolution tests.
private func productMagnitude(_ reference: KernelReference.Result, _ y: [Float]) -> Double {
    zip(reference.magnitudes, y).reduce(0) { $0 + $1.0 * abs(Double($1.1)) }
}

@Test(arguments: transposeGeometries)
func transposedConvolutionForwardMatchesScatterDefinition(geometry g: ConvTranspose2DGeometry) {
    let x = KernelTestData.normal(g.inputCount, seed: 31)
    let w = KernelTestData.normal(g.weightCount, seed: 32)
    let b = KernelTestData.normal(g.outChannels, seed: 33)
    let reference = KernelReference.convTranspose(x, w, b, g)
    #expect(reference.matches(KernelCalls.convT(x, w, b, g), terms: KernelReference.terms(g)))
}

@Test(arguments: transposeGeometries)
func transposedConvolutionGradientsAreAdjointsOfForward(geometry g: ConvTranspose2DGeometry) {
    let x = KernelTestData.normal(g.inputCount, seed: 34)
    let w = KernelTestData.normal(g.weightCount, seed: 35)
    let y = KernelTestData.normal(g.outputCount, seed: 36)
    let forward = KernelTestData.dot(KernelCalls.convT(x, w, nil, g), y)
    let viaInput = KernelTestData.dot(x, KernelCalls.convTInputGrad(y, w, g))
    let viaWeight = KernelTestData.dot(w, KernelCalls.convTWeightGrad(x, y, g).weight)
    let magnitude = productMagnitude(KernelReference.convTranspose(x, w, nil, g), y)
    let terms = KernelReference.terms(g) + g.batch * g.inHeight * g.inWidth
        + g.outChannels / g.groups * g.kernelHeight * g.kernelWidth
    let bound = 2 * Double(terms + 2) * 0x1p-24 * magnitude
    #expect(abs(forward - viaInput) <= bound, "⟨convT x, y⟩ = \(forward), ⟨x, dX⟩ = \(viaInput)")
    #expect(abs(forward - viaWeight) <= bound, "⟨convT x, y⟩ = \(forward), ⟨w, dW⟩ = \(viaWeight)")
}

/// The loss is linear in x, w and b, so central differences with a large step are exact up to
/// float32 rounding of the forward pass (see the convolution test).
@Test(arguments: [transposeGeometries[1], transposeGeometries[2], transposeGeometries[4]])
func transposedConvolutionGradientsMatchFiniteDifferences(geometry g: ConvTranspose2DGeometry) {
    let x = KernelTestData.normal(g.inputCount, seed: 37)
    let w = KernelTestData.normal(g.weightCount, seed: 38)
    let b = KernelTestData.normal(g.outChannels, seed: 39)
    let r = KernelTestData.normal(g.outputCount, seed: 40)
    let numericX = FiniteDifference.gradient(of: { KernelTestData.dot(KernelCalls.convT($0, w, b, g), r) }, at: x, step: 0.5)
    let numericW = FiniteDifference.gradient(of: { KernelTestData.dot(KernelCalls.convT(x, $0, b, g), r) }, at: w, step: 0.5)
    let numericB = FiniteDifference.gradient(of: { KernelTestData.dot(KernelCalls.convT(x, w, $0, g), r) }, at: b, step: 0.5)
    let weightGrads = KernelCalls.convTWeightGrad(x, r, g)
    #expect(FiniteDifference.maxScaledError(KernelCalls.convTInputGrad(r, w, g), numericX) < 1e-4)
    #expect(FiniteDifference.maxScaledError(weightGrads.weight, numericW) < 1e-4)
    #expect(FiniteDifference.maxScaledError(weightGrads.bias, numericB) < 1e-4)
}

@Test func transposedConvolutionOutputSizeFollowsPyTorchFormula() {
    // (4-1)·2 - 2·1 + 2·(3-1) + 1 + 1 = 10 and (3-1)·3 - 0 + 1·(2-1) + 0 + 1 = 8.
    let g = ConvTranspose2DGeometry(batch: 1, inChannels: 1, inHeight: 4, inWidth: 3, outChannels: 1,
                                    kernelHeight: 3, kernelWidth: 2, strideH: 2, strideW: 3, padH: 1,
                                    outputPaddingH: 1, dilationH: 2)
    #expect(g.outHeight == 10)
    #expect(g.outWidth == 8)
}
