import Testing
@testable import Tensor

/// Large images are lowered a band of output rows at a time; a tiny budget forces many bands
/// (down to one row each), whose results must agree with the whole-image lowering.
@Test(arguments: [convolutionGeometries[1], convolutionGeometries[2], convolutionGeometries[4],
                  convolutionGeometries[8]])
func bandedLoweringMatchesWholeImage(geometry g: Conv2DGeometry) {
    let whole = g.lowered
    #expect(whole.columnBudget >= whole.columns.rows * whole.columns.columns, "test shapes fit one band")
    let x = KernelTestData.normal(g.inputCount, seed: 61)
    let w = KernelTestData.normal(g.weightCount, seed: 62)
    let dy = KernelTestData.normal(g.outputCount, seed: 63)
    for rowsPerBand in [1, 2, 3] {
        var banded = whole
        banded.columnBudget = rowsPerBand * whole.columns.rows * whole.columns.outWidth
        let run = { (plan: LoweredConvolution) -> (y: [Float], dx: [Float], dw: [Float]) in
            var y = [Float](repeating: .nan, count: g.outputCount)
            var dx = [Float](repeating: .nan, count: g.inputCount)
            var dw = [Float](repeating: .nan, count: g.weightCount)
            plan.forward(input: x, weight: w, output: &y)
            plan.backwardData(outputGrad: dy, weight: w, inputGrad: &dx)
            plan.backwardWeight(input: x, outputGrad: dy, weightGrad: &dw)
            return (y, dx, dw)
        }
        let expected = run(whole), actual = run(banded)
        // Forward sums are identical per element; the gradients sum bands in another order.
        #expect(KernelTestData.maxScaledError(actual.y, expected.y) < 1e-6, "\(rowsPerBand) rows per band")
        #expect(KernelTestData.maxScaledError(actual.dx, expected.dx) < 1e-6, "\(rowsPerBand) rows per band")
        #expect(KernelTestData.maxScaledError(actual.dw, expected.dw) < 1e-5, "\(rowsPerBand) rows per band")
    }
}
