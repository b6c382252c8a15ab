import Testing
import Tensor
import TestSupport

/// A resize problem: planes and sizes, bilinear corner alignment, and an optional scale factor.
struct ResizeCase: Sendable, CustomStringConvertible {
    var planes, inH, inW, outH, outW: Int
    var alignCorners = false
    var scaleFactors: (h: Float, w: Float)? = nil

    var description: String {
        "\(planes)×\(inH)×\(inW)→\(outH)×\(outW) align=\(alignCorners) scale=\(String(describing: scaleFactors))"
    }

    func bilinear(_ x: [Float]) -> [Float] {
        var y = [Float](repeating: .nan, count: planes * outH * outW)
        x.withUnsafeBufferPointer { source in
            y.withUnsafeMutableBufferPointer { destination in
                Interpolation.bilinear(source, planes: planes, inH: inH, inW: inW, outH: outH, outW: outW,
                                       alignCorners: alignCorners, scaleFactors: scaleFactors, into: destination)
            }
        }
        return y
    }

    func bilinearBackward(_ dy: [Float]) -> [Float] {
        var dx = [Float](repeating: .nan, count: planes * inH * inW)
        dy.withUnsafeBufferPointer { source in
            dx.withUnsafeMutableBufferPointer { destination in
                Interpolation.bilinearBackward(outputGrad: source, planes: planes, inH: inH, inW: inW,
                                               outH: outH, outW: outW, alignCorners: alignCorners,
                                               scaleFactors: scaleFactors, into: destination)
            }
        }
        return dx
    }

    func nearest(_ x: [Float]) -> [Float] {
        var y = [Float](repeating: .nan, count: planes * outH * outW)
        x.withUnsafeBufferPointer { source in
            y.withUnsafeMutableBufferPointer { destination in
                Interpolation.nearest(source, planes: planes, inH: inH, inW: inW, outH: outH, outW: outW,
                                      scaleFactors: scaleFactors, into: destination)
            }
        }
        return y
    }

    func nearestBackward(_ dy: [Float]) -> [Float] {
        var dx = [Float](repeating: .nan, count: planes * inH * inW)
        dy.withUnsafeBufferPointer { source in
            dx.withUnsafeMutableBufferPointer { destination in
                Interpolation.nearestBackward(outputGrad: source, planes: planes, inH: inH, inW: inW,
                                              outH: outH, outW: outW, scaleFactors: scaleFactors,
                                              into: destination)
            }
        }
        return dx
    }
}

let resizeCases: [ResizeCase] = [
    ResizeCase(planes: 2, inH: 4, inW: 5, outH: 9, outW: 7),
    ResizeCase(planes: 2, inH: 9, inW: 8, outH: 4, outW: 5, alignCorners: true),
    ResizeCase(planes: 3, inH: 5, inW: 5, outH: 10, outW: 10),
    ResizeCase(planes: 1, inH: 6, inW: 4, outH: 9, outW: 10, scaleFactors: (h: 1.5, w: 2.5)),
    ResizeCase(planes: 1, inH: 7, inW: 7, outH: 1, outW: 3, alignCorners: true),
    // Enough planes to split across threads.
    ResizeCase(planes: 64, inH: 16, inW: 16, outH: 32, outW: 32),
]

@Test(arguments: resizeCases)
func bilinearBackwardIsAdjointOfForward(resize: ResizeCase) {
    let x = KernelTestData.normal(resize.planes * resize.inH * resize.inW, seed: 51)
    let y = KernelTestData.normal(resize.planes * resize.outH * resize.outW, seed: 52)
    let forward = KernelTestData.dot(resize.bilinear(x), y)
    let backward = KernelTestData.dot(x, resize.bilinearBackward(y))
    // Each output mixes four weighted terms with weights summing to 1: error ≈ few ulps of Σ|x||y|.
    let magnitude = KernelTestData.absoluteDot(resize.bilinear(x.map(abs)), y.map(abs))
    #expect(abs(forward - backward) <= 8 * 0x1p-24 * magnitude, "\(forward) vs \(backward)")
}

@Test(arguments: resizeCases)
func nearestBackwardIsAdjointOfForward(resize: ResizeCase) {
    let x = KernelTestData.normal(resize.planes * resize.inH * resize.inW, seed: 53)
    let y = KernelTestData.normal(resize.planes * resize.outH * resize.outW, seed: 54)
    let forward = KernelTestData.dot(resize.nearest(x), y)
    let backward = KernelTestData.dot(x, resize.nearestBackward(y))
    let magnitude = KernelTestData.absoluteDot(resize.nearest(x), y)
    #expect(abs(forward - backward) <= 4 * 0x1p-24 * magnitude, "\(forward) vs \(backward)")
}

/// Both resizes are linear in x, so central differences are exact up to float32 rounding of the
/// forward pass; a step of 0.5 keeps that rounding near 1e-7 relative.
@Test(arguments: resizeCases.prefix(5))
func interpolationGradientsMatchFiniteDifferences(resize: ResizeCase) {
    let x = KernelTestData.normal(resize.planes * resize.inH * resize.inW, seed: 55)
    let r = KernelTestData.normal(resize.planes * resize.outH * resize.outW, seed: 56)
    let bilinear = FiniteDifference.gradient(of: { KernelTestData.dot(resize.bilinear($0), r) }, at: x, step: 0.5)
    let nearest = FiniteDifference.gradient(of: { KernelTestData.dot(resize.nearest($0), r) }, at: x, step: 0.5)
    #expect(FiniteDifference.maxScaledError(resize.bilinearBackward(r), bilinear) < 1e-5)
    #expect(FiniteDifference.maxScaledError(resize.nearestBackward(r), nearest) < 1e-5)
}

@Test func interpolationBackwardOfAnEmptyBatchTouchesNothing() {
    // An empty batch may hand over buffers without a base address; unwrapping one would trap
    // (and crash the test run), so returning normally is the whole check.
    let none = UnsafeBufferPointer<Float>(start: nil, count: 0)
    let nowhere = UnsafeMutableBufferPointer<Float>(start: nil, count: 0)
    Interpolation.bilinearBackward(outputGrad: none, planes: 0, inH: 3, inW: 3, outH: 6, outW: 6,
                                   alignCorners: false, into: nowhere)
    Interpolation.nearestBackward(outputGrad: none, planes: 0, inH: 3, inW: 3, outH: 6, outW: 6, into: nowhere)
}
