import Testing
@testable import Tensor
import TestSupport

/// Compares the gradients autograd computes for `function` at `inputs` with central finite
/// differences of the same function.
///
/// The scalar checked is L = Σ f(x)·r for a fixed random r, so one backward pass (seeded with
/// r, which also exercises `backward(upstream)`) gives every input's gradient.
///
/// Float32 tolerance: with step h = 1e-2 the central difference has truncation error
/// h²/6·|f'''| ≈ 2e-5·|f'''| and rounding error ≈ ε·|L|/h ≈ 1.2e-7·|L|/1e-2 ≈ 1e-5·|L|; L is summed
/// in Double from float32 outputs of magnitude ≤ ~10, so errors stay below ~1e-3. We accept
/// |analytic − numeric| ≤ 3e-3 + 1e-2·|numeric|: far below what a wrong gradient rule produces
/// (a dropped term or factor shifts results by O(1)), yet robust to float32 noise.
func expectGradientsMatch(_ inputs: [Tensor], step h: Float = 1e-2,
                          absoluteTolerance: Double = 3e-3, relativeTolerance: Double = 1e-2,
                          sourceLocation: SourceLocation = #_sourceLocation,
                          _ function: ([Tensor]) -> Tensor) {
    let leaves = inputs.map { $0.requiringGrad() }
    let output = function(leaves)
    var generator = SeededGenerator(seed: 99)
    let projection = Tensor.uniform(output.shape, low: -1, high: 1, generator: &generator)
    #expect(output.requiresGrad, "output of the checked function is not tracked", sourceLocation: sourceLocation)
    guard output.requiresGrad else { return }
    output.backward(projection)

    for (i, input) in inputs.enumerated() {
        // L as a function of input i's elements, the other inputs held fixed.
        func projected(_ values: [Float]) -> Double {
            var probe = inputs
            probe[i] = Tensor(values, shape: input.shape)
            return noGrad {
                zip(function(probe).scalars, projection.scalars).reduce(0) { $0 + Double($1.0) * Double($1.1) }
            }
        }
        let analytic = leaves[i].grad?.scalars ?? [Float](repeating: 0, count: input.count)
        #expect(analytic.count == input.count, "gradient of input \(i) has the wrong size", sourceLocation: sourceLocation)
        let numerics = FiniteDifference.gradient(of: projected, at: input.scalars, step: h)
        for (j, numeric) in numerics.enumerated() {
            let error = Swift.abs(Double(analytic[j]) - numeric)
            #expect(error <= absoluteTolerance + relativeTolerance * Swift.abs(numeric),
                    "input \(i) element \(j): analytic \(analytic[j]) vs numeric \(numeric)",
                    sourceLocation: sourceLocation)
        }
    }
}

/// Seeded test inputs.
enum Sample {
    /// Uniform values in [low, high).
    static func uniform(_ shape: [Int], _ low: Float = -1, _ high: Float = 1, seed: UInt64) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        return Tensor.uniform(shape, low: low, high: high, generator: &generator)
    }

    /// Values with magnitude in [0.2, 1.2) and random sign: at least 0.2 from the kinks of
    /// relu/abs/clamp at 0, well beyond the finite-difference step.
    static func awayFromZero(_ shape: [Int], seed: UInt64) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        return Tensor((0..<shape.reduce(1, *)).map { _ in
            let magnitude = Float(generator.uniform(0.2, 1.2))
            return generator.uniform() < 0.5 ? -magnitude : magnitude
        }, shape: shape)
    }
}
