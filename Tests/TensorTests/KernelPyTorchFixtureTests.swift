import Foundation
import Formats
import Testing
import Tensor
import TestSupport

/// One case of `Tests/Fixtures/kernels/cases.json`, written by `tools/make_kernel_fixtures.py`:
/// the geometry PyTorch was called with and the arrays it produced (`<name>_<array>.npy`).
struct KernelFixtureCase: Decodable, Sendable, CustomStringConvertible {
    var name, kind: String
    var arrays: [String]
    var batch, inHeight, inWidth: Int
    var inChannels, outChannels, channels, kernelHeight, kernelWidth: Int?
    var strideH, strideW, padH, padW, dilationH, dilationW, groups: Int?
    var outputPaddingH, outputPaddingW, outHeight, outWidth: Int?
    var ceilMode, alignCorners: Bool?
    var scaleH, scaleW: Float?
    var mode: String?

    var description: String { name }

    static let directory = TestPaths.fixtures.appendingPathComponent("kernels")

    /// The manifest's cases, or none when it cannot be read (which `fixtureManifestCoversEveryKernel` reports).
    static let all: [KernelFixtureCase] = {
        struct Manifest: Decodable { var cases: [KernelFixtureCase] }
        guard let data = try? Data(contentsOf: directory.appendingPathComponent("cases.json")) else { return [] }
        return (try? JSONDecoder().decode(Manifest.self, from: data).cases) ?? []
    }()

    static func cases(_ kind: String) -> [KernelFixtureCase] { all.filter { $0.kind == kind } }

    func floats(_ array: String) throws -> [Float] {
        try NPY.read(Self.directory.appendingPathComponent("\(name)_\(array).npy")).floats()
    }

    func shape(_ array: String) throws -> [Int] {
        try NPY.read(Self.directory.appendingPathComponent("\(name)_\(array).npy")).shape
    }

    func int32s(_ array: String) throws -> [Int32] {
        try NPY.read(Self.directory.appendingPathComponent("\(name)_\(array).npy")).int64s().map { Int32($0) }
    }

    var convolution: Conv2DGeometry {
        Conv2DGeometry(batch: batch, inChannels: inChannels!, inHeight: inHeight, inWidth: inWidth,
                       outChannels: outChannels!, kernelHeight: kernelHeight!, kernelWidth: kernelWidth!,
                       strideH: strideH!, strideW: strideW!, padH: padH!, padW: padW!,
                       dilationH: dilationH!, dilationW: dilationW!, groups: groups!)
    }

    var transposedConvolution: ConvTranspose2DGeometry {
        ConvTranspose2DGeometry(batch: batch, inChannels: inChannels!, inHeight: inHeight, inWidth: inWidth,
                                outChannels: outChannels!, kernelHeight: kernelHeight!, kernelWidth: kernelWidth!,
                                strideH: strideH!, strideW: strideW!, padH: padH!, padW: padW!,
                                outputPaddingH: outputPaddingH!, outputPaddingW: outputPaddingW!,
                                dilationH: dilationH!, dilationW: dilationW!, groups: groups!)
    }

    var pooling: MaxPool2DGeometry {
        MaxPool2DGeometry(batch: batch, channels: channels!, inHeight: inHeight, inWidth: inWidth,
                          kernelHeight: kernelHeight!, kernelWidth: kernelWidth!, strideH: strideH!,
                          strideW: strideW!, padH: padH!, padW: padW!, dilationH: dilationH!,
                          dilationW: dilationW!, ceilMode: ceilMode!)
    }
}

/// PyTorch sums in another order (and with other blocking) than OpenBLAS, so float32 results
/// differ by a few ulps of the largest terms; 1e-5 of the largest value is well above that
/// (the inputs are standard normal, sums of at most ~60 terms) and far below any real mistake.
private let pyTorchTolerance: Float = 1e-5

@Test func fixtureManifestCoversEveryKernel() {
    let kinds = Set(KernelFixtureCase.all.map(\.kind))
    #expect(kinds == ["conv2d", "conv_transpose2d", "max_pool2d", "interpolate"],
            "cannot read \(KernelFixtureCase.directory.path)/cases.json; run tools/make_kernel_fixtures.py")
}

@Test(arguments: KernelFixtureCase.cases("conv2d"))
func convolutionMatchesPyTorch(fixture: KernelFixtureCase) throws {
    let g = fixture.convolution
    #expect(try fixture.shape("output") == [g.batch, g.outChannels, g.outHeight, g.outWidth])
    let x = try fixture.floats("input"), w = try fixture.floats("weight"), dy = try fixture.floats("output_grad")
    let hasBias = fixture.arrays.contains("bias")
    let b = hasBias ? try fixture.floats("bias") : nil
    #expect(KernelTestData.maxScaledError(KernelCalls.conv(x, w, b, g), try fixture.floats("output")) < pyTorchTolerance)
    #expect(KernelTestData.maxScaledError(KernelCalls.convInputGrad(dy, w, g), try fixture.floats("input_grad")) < pyTorchTolerance)
    let grads = KernelCalls.convWeightGrad(x, dy, g)
    #expect(KernelTestData.maxScaledError(grads.weight, try fixture.floats("weight_grad")) < pyTorchTolerance)
    if hasBias {
        #expect(KernelTestData.maxScaledError(grads.bias, try fixture.floats("bias_grad")) < pyTorchTolerance)
    }
}

@Test(arguments: KernelFixtureCase.cases("conv_transpose2d"))
func transposedConvolutionMatchesPyTorch(fixture: KernelFixtureCase) throws {
    let g = fixture.transposedConvolution
    #expect(try fixture.shape("output") == [g.batch, g.outChannels, g.outHeight, g.outWidth])
    let x = try fixture.floats("input"), w = try fixture.floats("weight"), dy = try fixture.floats("output_grad")
    let hasBias = fixture.arrays.contains("bias")
    let b = hasBias ? try fixture.floats("bias") : nil
    #expect(KernelTestData.maxScaledError(KernelCalls.convT(x, w, b, g), try fixture.floats("output")) < pyTorchTolerance)
    #expect(KernelTestData.maxScaledError(KernelCalls.convTInputGrad(dy, w, g), try fixture.floats("input_grad")) < pyTorchTolerance)
    let grads = KernelCalls.convTWeightGrad(x, dy, g)
    #expect(KernelTestData.maxScaledError(grads.weight, try fixture.floats("weight_grad")) < pyTorchTolerance)
    if hasBias {
        #expect(KernelTestData.maxScaledError(grads.bias, try fixture.floats("bias_grad")) < pyTorchTolerance)
    }
}

/// Pooling only selects and scatters values, so the results must equal PyTorch's bit for bit,
/// NaNs included (compared by bit pattern, as NaN ≠ NaN).
@Test(arguments: KernelFixtureCase.cases("max_pool2d"))
func maxPoolMatchesPyTorchExactly(fixture: KernelFixtureCase) throws {
    let g = fixture.pooling
    #expect(try fixture.shape("output") == [g.batch, g.channels, g.outHeight, g.outWidth])
    let pooled = KernelCalls.maxPool(try fixture.floats("input"), g)
    #expect(pooled.values.map(\.bitPattern) == (try fixture.floats("output")).map(\.bitPattern))
    #expect(pooled.indices == (try fixture.int32s("indices")))
    let dx = KernelCalls.maxPoolGrad(try fixture.floats("output_grad"), pooled.indices, g)
    #expect(dx == (try fixture.floats("input_grad")))
}

@Test(arguments: KernelFixtureCase.cases("interpolate"))
func interpolationAndItsGradientMatchPyTorch(fixture: KernelFixtureCase) throws {
    let resize = ResizeCase(planes: fixture.batch * fixture.channels!, inH: fixture.inHeight, inW: fixture.inWidth,
                            outH: fixture.outHeight!, outW: fixture.outWidth!,
                            alignCorners: fixture.alignCorners ?? false,
                            scaleFactors: fixture.scaleH.flatMap { h in fixture.scaleW.map { (h: h, w: $0) } })
    let x = try fixture.floats("input"), dy = try fixture.floats("output_grad")
    let bilinear = fixture.mode == "bilinear"
    let y = bilinear ? resize.bilinear(x) : resize.nearest(x)
    let dx = bilinear ? resize.bilinearBackward(dy) : resize.nearestBackward(dy)
    #expect(KernelTestData.maxScaledError(y, try fixture.floats("output")) < 1e-6)
    #expect(KernelTestData.maxScaledError(dx, try fixture.floats("input_grad")) < 1e-6)
}
