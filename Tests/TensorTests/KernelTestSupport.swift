import Tensor

/// Shared helpers for the kernel tests: seeded data, inner products, and the kernels called on
/// arrays. The independent references themselves live in `KernelReferences.swift`.
enum KernelTestData {
    /// `count` standard-normal floats from a fixed seed, so failures reproduce.
    static func normal(_ count: Int, seed: UInt64) -> [Float] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { _ in Float(generator.normal()) }
    }

    /// `count` distinct values spaced `gap` apart in a seeded random order: max pooling is
    /// differentiable wherever no two taps tie, and this keeps every gap at least `gap`.
    static func distinct(_ count: Int, gap: Float, seed: UInt64) -> [Float] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { Float($0) * gap }.shuffled(using: &generator)
    }

    /// Inner product accumulated in `Double`, so the checks below measure the kernels' rounding,
    /// not the test's.
    static func dot(_ a: [Float], _ b: [Float]) -> Double {
        precondition(a.count == b.count)
        var total = 0.0
        for i in a.indices { total += Double(a[i]) * Double(b[i]) }
        return total
    }

    /// Sum of |aᵢ·bᵢ|: the scale against which an inner product's rounding error is measured.
    static func absoluteDot(_ a: [Float], _ b: [Float]) -> Double {
        var total = 0.0
        for i in a.indices { total += abs(Double(a[i]) * Double(b[i])) }
        return total
    }

    /// Largest |actual - expected| relative to the largest |expected| (at least 1).
    /// Arrays of different sizes are infinitely far apart, so a wrong shape fails the test.
    static func maxScaledError(_ actual: [Float], _ expected: [Float]) -> Float {
        guard actual.count == expected.count else { return .infinity }
        var scale: Float = 1, error: Float = 0
        for i in expected.indices {
            scale = max(scale, abs(expected[i]))
            error = max(error, abs(actual[i] - expected[i]))
        }
        return error / scale
    }
}

/// The kernels under test, called on arrays.
enum KernelCalls {
    static func conv(_ x: [Float], _ w: [Float], _ b: [Float]?, _ g: Conv2DGeometry) -> [Float] {
        var y = [Float](repeating: .nan, count: g.outputCount)
        withOptional(b) { bias in
            Convolution.forward(input: x, weight: w, bias: bias, output: &y, geometry: g)
        }
        return y
    }

    static func convInputGrad(_ dy: [Float], _ w: [Float], _ g: Conv2DGeometry) -> [Float] {
        var dx = [Float](repeating: .nan, count: g.inputCount)
        Convolution.backwardInput(outputGrad: dy, weight: w, inputGrad: &dx, geometry: g)
        return dx
    }

    static func convWeightGrad(_ x: [Float], _ dy: [Float], _ g: Conv2DGeometry) -> (weight: [Float], bias: [Float]) {
        var dw = [Float](repeating: .nan, count: g.weightCount)
        var db = [Float](repeating: .nan, count: g.outChannels)
        Convolution.backwardWeight(input: x, outputGrad: dy, weightGrad: &dw, biasGrad: &db, geometry: g)
        return (dw, db)
    }

    static func convT(_ x: [Float], _ w: [Float], _ b: [Float]?, _ g: ConvTranspose2DGeometry) -> [Float] {
        var y = [Float](repeating: .nan, count: g.outputCount)
        withOptional(b) { bias in
            ConvolutionTranspose.forward(input: x, weight: w, bias: bias, output: &y, geometry: g)
        }
        return y
    }

    static func convTInputGrad(_ dy: [Float], _ w: [Float], _ g: ConvTranspose2DGeometry) -> [Float] {
        var dx = [Float](repeating: .nan, count: g.inputCount)
        ConvolutionTranspose.backwardInput(outputGrad: dy, weight: w, inputGrad: &dx, geometry: g)
        return dx
    }

    static func convTWeightGrad(_ x: [Float], _ dy: [Float], _ g: ConvTranspose2DGeometry) -> (weight: [Float], bias: [Float]) {
        var dw = [Float](repeating: .nan, count: g.weightCount)
        var db = [Float](repeating: .nan, count: g.outChannels)
        ConvolutionTranspose.backwardWeight(input: x, outputGrad: dy, weightGrad: &dw, biasGrad: &db, geometry: g)
        return (dw, db)
    }

    static func maxPool(_ x: [Float], _ g: MaxPool2DGeometry) -> (values: [Float], indices: [Int32]) {
        let count = g.batch * g.channels * g.outHeight * g.outWidth
        var y = [Float](repeating: .nan, count: count)
        var indices = [Int32](repeating: -1, count: count)
        MaxPool.forward(input: x, output: &y, indices: &indices, geometry: g)
        return (y, indices)
    }

    static func maxPoolGrad(_ dy: [Float], _ indices: [Int32], _ g: MaxPool2DGeometry) -> [Float] {
        var dx = [Float](repeating: .nan, count: g.batch * g.channels * g.inHeight * g.inWidth)
        MaxPool.backward(outputGrad: dy, indices: indices, inputGrad: &dx, geometry: g)
        return dx
    }

    /// Passes the array's storage, or nil, to `body`.
    private static func withOptional(_ array: [Float]?, _ body: (UnsafePointer<Float>?) -> Void) {
        if let array { array.withUnsafeBufferPointer { body($0.baseAddress) } } else { body(nil) }
    }
}
