import Foundation
import Testing
@testable import Tensor

/// `rfft2`, complex magnitude and phase against numpy (`tools/make_fft_fixtures.py`) and
/// against finite differences.
struct FourierTransformTests {
    @Test("rfft2 and the spectrum's magnitude and phase equal numpy's, for odd and even sides and both scalings",
          arguments: [("ortho", FourierNormalization.ortho), ("backward", .backward)])
    func matchesNumpy(_ fixture: (name: String, normalization: FourierNormalization)) throws {
        let x = try TensorFixtures.tensor("rfft2_\(fixture.name)_input")
        let (real, imaginary) = x.rfft2(normalization: fixture.normalization)
        // float32 tables and sums over ≤ 56 terms: a few ulp of the output scale.
        TensorFixtures.expectClose(real, try TensorFixtures.tensor("rfft2_\(fixture.name)_real"), tolerance: 1e-5)
        TensorFixtures.expectClose(imaginary, try TensorFixtures.tensor("rfft2_\(fixture.name)_imaginary"), tolerance: 1e-5)
        TensorFixtures.expectClose(Tensor.complexMagnitude(real: real, imaginary: imaginary),
                                   try TensorFixtures.tensor("rfft2_\(fixture.name)_magnitude"), tolerance: 1e-5)
        // Phase is compared where the magnitude is not tiny (there the angle is ill-conditioned).
        let phase = Tensor.complexPhase(real: real, imaginary: imaginary).scalars
        let expected = try TensorFixtures.tensor("rfft2_\(fixture.name)_phase").scalars
        let magnitude = try TensorFixtures.tensor("rfft2_\(fixture.name)_magnitude").scalars
        for i in phase.indices where magnitude[i] > 1e-3 {
            // Angles are compared on the circle: on the negative real axis a zero imaginary
            // part's sign decides between π and −π, the same point.
            #expect(Swift.abs(remainder(phase[i] - expected[i], 2 * .pi)) < 1e-4, "phase \(i): \(phase[i]) vs numpy \(expected[i])")
        }
    }

    @Test("a constant grid has all its energy in the zero frequency, scaled by the normalisation")
    func constantGridIsDCOnly() {
        let (real, imaginary) = Tensor.full([4, 6], 2).rfft2(normalization: .ortho)
        #expect(real.shape == [4, 4] && imaginary.shape == [4, 4])
        #expect(Swift.abs(real[0, 0] - 2 * Float(24).squareRoot()) < 1e-5)
        let rest = real.scalars.dropFirst().map { Swift.abs($0) }.max()! + imaginary.scalars.map { Swift.abs($0) }.max()!
        #expect(rest < 1e-5)
    }

    @Test("rfft2's gradient matches finite differences (odd and even sides)")
    func rfft2Gradient() {
        expectGradientsMatch([Sample.uniform([2, 3, 4], seed: 1)]) { x in
            let (re, im) = x[0].rfft2(normalization: .ortho)
            return re + im * 0.5
        }
        expectGradientsMatch([Sample.uniform([5, 6], seed: 2)]) { x in x[0].rfft2().imaginary }
    }

    @Test("magnitude and phase gradients match finite differences away from the origin")
    func magnitudeAndPhaseGradients() {
        let real = Sample.awayFromZero([3, 4], seed: 3), imaginary = Sample.awayFromZero([3, 4], seed: 4)
        expectGradientsMatch([real, imaginary]) { Tensor.complexMagnitude(real: $0[0], imaginary: $0[1]) }
        expectGradientsMatch([real, imaginary], step: 1e-3) { Tensor.complexPhase(real: $0[0], imaginary: $0[1]) }
    }

    @Test("the amplitude of a spectrum is differentiable end to end")
    func amplitudeOfSpectrumGradient() {
        expectGradientsMatch([Sample.uniform([2, 5, 4], seed: 5)], step: 1e-3) { x in
            let (re, im) = x[0].rfft2(normalization: .ortho)
            return Tensor.complexMagnitude(real: re, imaginary: im)
        }
    }

    @Test("magnitude and phase have zero gradient at the origin, as PyTorch defines it")
    func zeroAtOrigin() {
        let re = Tensor.zeros([2]).requiringGrad(), im = Tensor.zeros([2]).requiringGrad()
        (Tensor.complexMagnitude(real: re, imaginary: im).sum() + Tensor.complexPhase(real: re, imaginary: im).sum()).backward()
        #expect(re.grad?.scalars == [0, 0] && im.grad?.scalars == [0, 0])
    }
}
