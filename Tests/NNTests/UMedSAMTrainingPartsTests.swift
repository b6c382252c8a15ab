import Foundation
import NN
import Tensor
import TestSupport
import Testing

/// U-MedSAM's training parts: the uncertainty-weighted multi-loss, the shape-distance loss,
/// sharpness-aware minimisation and the plateau schedule.
struct UMedSAMTrainingPartsTests {
    /// At σ = 1 the paper's form is half the sum and the authors' adds log 2 per component;
    /// both forms' gradients in the losses and in s = log σ² match finite differences.
    @Test(arguments: UncertaintyWeightedLoss.Form.allCases)
    func uncertaintyLossValuesAndGradients(_ form: UncertaintyWeightedLoss.Form) throws {
        let loss = UncertaintyWeightedLoss(components: 3, form: form)
        let values: [Float] = [0.7, 0.2, 1.3]
        let atOne = loss(values.map { Tensor([$0], shape: []) }).item
        let expected = 0.5 * values.reduce(0, +) + (form == .paper ? 0 : 3 * Float(log(2.0)))
        #expect(abs(atOne - expected) < 1e-5)

        let s: [Float] = [0.3, -0.4, 0.8]
        func evaluate(_ s: [Float], _ l: [Float]) -> Double {
            loss.log_variances.value = Tensor(s, shape: [3])
            return Double(noGrad { loss(l.map { Tensor([$0], shape: []) }) }.item)
        }
        loss.log_variances.value = Tensor(s, shape: [3])
        loss.zeroGrad()
        let inputs = values.map { Parameter(Tensor([$0], shape: [])) }
        loss(inputs.map(\.value)).backward()
        let analyticS = try #require(loss.log_variances.grad).scalars
        let analyticL = inputs.map { $0.grad!.item }
        let numericS = FiniteDifference.gradient(of: { evaluate($0, values) }, at: s, step: 1e-2)
        let numericL = FiniteDifference.gradient(of: { evaluate(s, $0) }, at: values, step: 1e-2)
        #expect(FiniteDifference.maxScaledError(analyticS, numericS) < 1e-3)
        #expect(FiniteDifference.maxScaledError(analyticL, numericL) < 1e-3)
    }

    /// `Σ|D − p| / Σ p` per item: its value on a hand-made case and its gradient in p.
    @Test func shapeDistanceLossValueAndGradient() throws {
        let target = Tensor([0.5, 1, 0, 0.25], shape: [1, 4])
        #expect(abs(Losses.shapeDistance(probabilities: Tensor([0.5, 0.5, 0.5, 0.5], shape: [1, 4]), target: target).item
                    - Float((0 + 0.5 + 0.5 + 0.25) / 2.0)) < 1e-5)
        let p: [Float] = [0.3, 0.7, 0.2, 0.6, 0.9, 0.1]
        let d: [Float] = [0.5, 0.95, 0, 0.8, 0.6, 0]
        let probabilities = Parameter(Tensor(p, shape: [2, 3]))
        Losses.shapeDistance(probabilities: probabilities.value, target: Tensor(d, shape: [2, 3])).backward()
        let numeric = FiniteDifference.gradient(of: { x in
            Double(Losses.shapeDistance(probabilities: Tensor(x, shape: [2, 3]), target: Tensor(d, shape: [2, 3])).item)
        }, at: p, step: 1e-3)
        #expect(FiniteDifference.maxScaledError(probabilities.grad!.scalars, numeric) < 1e-3)
    }

    /// One step applies, at w, the gradient taken at `w + ρ·g/‖g‖`: on `(w − 1)²` from w = 0
    /// (g = −2) the gradient is taken at −ρ, so SGD moves w to `lr·2(1 + ρ)`.
    @Test func sharpnessAwareStepUsesTheGradientAtThePerturbedWeights() {
        let w = Parameter(Tensor([0], shape: [1]))
        var minimiser = SharpnessAware(SGD([(key: "w", parameter: w)], learningRate: 0.1),
                                       parameters: [(key: "w", parameter: w)], rho: 0.05)
        let first = minimiser.step { ((w.value - 1) * (w.value - 1)).sum() }
        #expect(first.item == 1)
        #expect(abs(w.value.item - 0.1 * 2 * 1.05) < 1e-6)
    }

    /// On `f(w) = −G(w; 0, 0.05) − G(w; 3, 1)` (a sharp and a flat well of the same depth),
    /// gradient descent started on the sharp well's wall stays in it, sharpness-aware descent
    /// (ρ = 0.4, wider than the well) leaves it; in the flat well both stay. (In one dimension
    /// the normalised perturbation is ±ρ, so once out of the well it settles where `w − ρ`
    /// meets the well's wall, not all the way in the flat well.)
    @Test func sharpnessAwareMinimisationLeavesASharpWellAndKeepsAFlatOne() {
        func loss(_ w: Tensor) -> Tensor {
            let sharp = ((w * w) * (-1 / (2 * 0.0025))).exp()
            let flat = (((w - 3) * (w - 3)) * -0.5).exp()
            return ((sharp + flat) * -1).sum()
        }
        func run(from start: Float, sharpnessAware: Bool) -> Float {
            let w = Parameter(Tensor([start], shape: [1]))
            let sgd = SGD([(key: "w", parameter: w)], learningRate: 0.002)
            var plain = sgd
            var minimiser = SharpnessAware(sgd, parameters: [(key: "w", parameter: w)], rho: 0.4)
            for _ in 0..<5000 {
                if sharpnessAware {
                    minimiser.step { loss(w.value) }
                } else {
                    w.zeroGrad()
                    loss(w.value).backward()
                    plain.step()
                }
            }
            return w.value.item
        }
        #expect(abs(run(from: 0.05, sharpnessAware: false)) < 0.02)
        #expect(run(from: 0.05, sharpnessAware: true) > 0.2, "sharpness-aware descent should leave the sharp well")
        #expect(abs(run(from: 2.8, sharpnessAware: false) - 3) < 0.05)
        #expect(abs(run(from: 2.8, sharpnessAware: true) - 3) < 0.1)
    }

    /// A frozen parameter has no gradient, so the perturbation and the step leave it alone.
    @Test func sharpnessAwareLeavesFrozenParametersAlone() {
        let trained = Parameter(Tensor([1, 2], shape: [2]))
        let frozen = Parameter(Tensor([3, 4], shape: [2]), requiresGrad: false)
        let parameters = [(key: "a", parameter: trained), (key: "b", parameter: frozen)]
        var minimiser = SharpnessAware(AdamW(parameters, learningRate: 0.1), parameters: parameters)
        minimiser.step { (trained.value * frozen.value).squared().sum() }
        #expect(frozen.value.scalars == [3, 4])
        #expect(trained.value.scalars != [1, 2])
    }

    /// The rate drops by `factor` after more than `patience` epochs without improvement.
    @Test func plateauScheduleCutsTheRateAfterPatience() {
        var schedule = PlateauLearningRate(base: 1, factor: 0.9, patience: 2)
        let rates = [1.0, 0.8, 0.8, 0.8, 0.8, 0.7, 0.7, 0.7, 0.7].map { schedule.record($0) }
        #expect(rates == [1, 1, 1, 1, 0.9, 0.9, 0.9, 0.9, Float(0.9) * 0.9])
    }
}
