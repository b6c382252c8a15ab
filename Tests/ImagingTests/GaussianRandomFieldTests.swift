import Imaging
import Tensor
import Testing

/// Sample correlation between the field and itself shifted by `lag` pixels along x.
private func correlation(_ field: [Float], width: Int, height: Int, lag: Int) -> Double {
    var sum = 0.0, count = 0
    for y in 0..<height { for x in 0..<(width - lag) { sum += Double(field[y * width + x] * field[y * width + x + lag]); count += 1 } }
    return sum / Double(count)
}

@Test func randomFieldHasZeroMeanAndUnitVariance() {
    var generator = SeededGenerator(seed: 4)
    let field = GaussianRandomField.sample(width: 400, height: 400, correlationLength: 4, using: &generator)
    let mean = field.reduce(0.0) { $0 + Double($1) } / Double(field.count)
    let variance = field.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(field.count) - mean * mean
    #expect(abs(mean) < 0.05)
    #expect(abs(variance - 1) < 0.1)
}

@Test func randomFieldIsSmoothAtItsCorrelationLengthAndIndependentBeyondFourOfThem() {
    var generator = SeededGenerator(seed: 8)
    let length = 6
    let field = GaussianRandomField.sample(width: 600, height: 300, correlationLength: Double(length), using: &generator)
    // Neighbours share almost all of their spline knots...
    #expect(correlation(field, width: 600, height: 300, lag: 1) > 0.9)
    // ...pixels 4 knot spacings apart share none (cubic B-splines span 4 knots).
    #expect(abs(correlation(field, width: 600, height: 300, lag: 4 * length)) < 0.05)
}

@Test func randomFieldIsFixedBySeed() {
    var a = SeededGenerator(seed: 1), b = SeededGenerator(seed: 1), c = SeededGenerator(seed: 2)
    let first = GaussianRandomField.sample(width: 30, height: 20, correlationLength: 5, using: &a)
    #expect(first == GaussianRandomField.sample(width: 30, height: 20, correlationLength: 5, using: &b))
    #expect(first != GaussianRandomField.sample(width: 30, height: 20, correlationLength: 5, using: &c))
}
