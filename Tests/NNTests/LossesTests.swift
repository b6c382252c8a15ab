import Foundation
import Testing
import Tensor
import TestSupport
@testable import NN

/// Loss values against direct formulas and gradients against finite differences.
struct LossesTests {
    var g = SeededGenerator(seed: 21)

    @Test func crossEntropyIsMeanNegativeLogLikelihood() {
        let logits = Tensor([2, 0, -1, 1, 0.5, 0.5, 3, -2], shape: [1, 2, 2, 2])
        let labels = [1, 0, 1, 1]
        let target = Losses.oneHot(labels, batch: 1, classes: 2, height: 2, width: 2)
        var expected: Double = 0
        for i in 0..<4 {
            let l0 = Double(logits.scalars[i]), l1 = Double(logits.scalars[4 + i])
            let lse = log(exp(l0) + exp(l1))
            expected += lse - (labels[i] == 0 ? l0 : l1)
        }
        #expect(abs(Double(Losses.crossEntropy(logits: logits, oneHotTargets: target).item) - expected / 4) < 1e-6)
    }

    @Test func softmaxDiceIsZeroForAPerfectConfidentPrediction() {
        let labels = [0, 1, 1, 0]
        let target = Losses.oneHot(labels, batch: 1, classes: 2, height: 2, width: 2)
        let logits = target * 40 - 20
        #expect(Losses.softmaxDice(logits: logits, oneHotTargets: target).item < 1e-6)
    }

    @Test func bceWithLogitsMatchesTheDefinition() {
        let x = Tensor([-30, -1, 0, 2, 30], shape: [5]), y = Tensor([0, 1, 1, 0, 1], shape: [5])
        var expected: Double = 0
        for (xi, yi) in zip(x.scalars.map(Double.init), y.scalars.map(Double.init)) {
            let p = 1 / (1 + exp(-xi))
            expected += -(yi * log(max(p, 1e-300)) + (1 - yi) * log(max(1 - p, 1e-300)))
        }
        #expect(abs(Double(Losses.binaryCrossEntropyWithLogits(x, targets: y).item) - expected / 5) < 1e-5)
    }

    /// Central differences on a few inputs of `loss(x)`.
    mutating func check(_ shape: [Int], _ loss: (Tensor) -> Tensor) {
        let base = Tensor.randn(shape, generator: &g).scalars
        let x = Tensor(base, shape: shape).requiringGrad()
        loss(x).backward()
        let analytic = x.grad!.scalars
        let checked = Array(stride(from: 0, to: base.count, by: 3))
        let numerics = FiniteDifference.partials(of: { Double(loss(Tensor($0, shape: shape)).item) }, at: base, step: 1e-2,
                                                 coordinates: checked)
        for (i, numeric) in zip(checked, numerics) {
            // Losses are O(1); float32 rounding over h = 1e-2 gives ~1e-5, curvature ~h² ~1e-4.
            #expect(abs(numeric - Double(analytic[i])) < 1e-3 + 1e-2 * abs(numeric), "\(i): \(numeric) vs \(analytic[i])")
        }
    }

    @Test mutating func gradientsMatchFiniteDifferences() {
        let labels = (0..<18).map { $0 % 3 == 0 ? 1 : 0 }
        let target = Losses.oneHot(labels, batch: 2, classes: 2, height: 3, width: 3)
        let binary = Tensor(labels.map(Float.init), shape: [2, 1, 3, 3])
        check([2, 2, 3, 3]) { Losses.crossEntropy(logits: $0, oneHotTargets: target) }
        check([2, 2, 3, 3]) { Losses.softmaxDice(logits: $0, oneHotTargets: target) }
        check([2, 1, 3, 3]) { Losses.binaryCrossEntropyWithLogits($0, targets: binary) }
        check([2, 1, 3, 3]) { Losses.binaryDice(probabilities: $0.sigmoid(), targets: binary) }
        check([2, 1, 3, 3]) { Losses.meanSquaredError($0, binary) }
    }
}
