import Foundation
import Tensor
import TestSupport
import Testing
@testable import NN
@testable import Refiners

/// The corrector's round (shapes, write-back), its checkpoint config and its loss gradients.
struct GRUCorrectorTests {
    static let config = GRUCorrectorConfig(pointsPerSet: 6, hiddenSize: 5, uncertaintyMargin: 0.1, radius: 1, gridSide: 8)

    /// An 8×8 map: p = 0.02 outside a 3×3 square of 0.98, with a soft pixel at (6, 6).
    static func map() -> [Float] {
        (0..<64).map { i in
            let x = i % 8, y = i / 8
            if x == 6 && y == 6 { return 0.4 }
            return (2...4).contains(x) && (2...4).contains(y) ? 0.98 : 0.02
        }
    }

    static func logits(_ p: [Float]) -> [Float] { p.map { Float(log(Double($0 / (1 - $0)))) } }

    @Test func aRoundRewritesExactlyItsRealPoints() {
        let corrector = GRUCorrector(config: Self.config, seed: 1)
        let p = Self.map()
        let logits = Self.logits(p)
        let round = noGrad {
            corrector.round(logits: logits, width: 8, height: 8, clicks: [CorrectionClick(x: 5, y: 3, positive: true)],
                            round: 1, hidden: corrector.initialHidden())
        }
        #expect(round.logits.shape == [12] && round.hidden.shape == [1, 5])
        let written = GRUCorrector.writeBack(round, into: logits)
        let real = Set(round.points.pixels.compactMap { $0 })
        // The soft pixel is uncertain; the click's disagreeing disc pixels (5,2), (6,3), (5,4), (5,3) are errors.
        #expect(real == [54, 21, 29, 37, 30])
        for i in 0..<64 where !real.contains(i) { #expect(written[i] == logits[i]) }
        for (slot, pixel) in round.points.pixels.enumerated() {
            if let pixel { #expect(written[pixel] == round.logits.scalars[slot]) }
        }
    }

    /// The network gives changes: with every weight zero, each point keeps its current logit.
    @Test func aZeroNetworkLeavesEveryPointAsItWas() {
        let corrector = GRUCorrector(config: Self.config, seed: 5)
        for (_, parameter) in corrector.namedParameters() {
            parameter.value = Tensor([Float](repeating: 0, count: parameter.value.count), shape: parameter.value.shape)
        }
        let p = Self.map(), logits = Self.logits(p)
        let round = noGrad {
            corrector.round(logits: logits, width: 8, height: 8, clicks: [CorrectionClick(x: 5, y: 3, positive: true)],
                            round: 1, hidden: corrector.initialHidden())
        }
        #expect(round.points.pixels.contains { $0 != nil })
        #expect(GRUCorrector.writeBack(round, into: logits) == logits)
        // Leaving the points as round 0 had them costs no consistency.
        let loss = noGrad { CorrectorLoss(round: round, before: p, initial: p, truth: p.map { $0 > 0.5 ? 1 : 0 }, consistencyWeight: 30) }
        #expect(abs(loss.consistency.item) < 1e-6)
    }

    @Test func theConfigIsReadBackFromTheWeightShapes() throws {
        let corrector = GRUCorrector(config: Self.config, seed: 2)
        let inferred = try GRUCorrector.inferConfig(from: corrector.savedWeights)
        #expect(inferred.pointsPerSet == 6 && inferred.hiddenSize == 5)
        let shapes = Dictionary(uniqueKeysWithValues: corrector.namedParameters().map { ($0.key, $0.parameter.shape) })
        #expect(shapes["gru.weight_ih"] == [15, 12 * 8] && shapes["head.weight"] == [12, 5 + 24] && shapes["point_head.weight"] == [1, 8])
    }

    @Test func lossGradientsMatchFiniteDifferences() {
        let corrector = GRUCorrector(config: Self.config, seed: 3)
        let p = Self.map()
        let truth: [Float] = (0..<64).map { i in (2...5).contains(i % 8) && (2...4).contains(i / 8) ? 1 : 0 }
        let initial: [Float] = p.map { $0 > 0.3 ? 1 : 0 }
        let clicks = [CorrectionClick(x: 5, y: 3, positive: true)]
        let loss = {
            let round = corrector.round(logits: Self.logits(p), width: 8, height: 8, clicks: clicks, round: 1,
                                        hidden: corrector.initialHidden())
            return CorrectorLoss(round: round, before: p, initial: initial, truth: truth, consistencyWeight: 0.5).total
        }
        corrector.zeroGrad()
        loss().backward()
        for (key, parameter) in corrector.namedParameters() {
            let original = parameter.value
            let checked = Array(stride(from: 0, to: original.count, by: max(1, original.count / 12)))
            let numeric = FiniteDifference.partials(of: { values in
                parameter.value = Tensor(values, shape: original.shape)
                return Double(noGrad { loss().item })
            }, at: original.scalars, step: 1e-2, coordinates: checked)
            parameter.value = original
            let analytic = checked.map { parameter.grad!.scalars[$0] }
            #expect(FiniteDifference.maxScaledError(analytic, numeric) < 2e-3, "\(key)")
        }
    }

    /// The Dice term is the Dice of the whole map: the points soft, every other pixel its mask value.
    @Test func diceOverThePointsEqualsDiceOverTheWholeCorrectedMap() {
        let corrector = GRUCorrector(config: Self.config, seed: 4)
        let p = Self.map()
        let truth: [Float] = (0..<64).map { i in (2...5).contains(i % 8) && (2...4).contains(i / 8) ? 1 : 0 }
        let round = noGrad {
            corrector.round(logits: Self.logits(p), width: 8, height: 8, clicks: [CorrectionClick(x: 5, y: 3, positive: true)],
                            round: 1, hidden: corrector.initialHidden())
        }
        let loss = noGrad { CorrectorLoss(round: round, before: p, initial: truth, truth: truth, consistencyWeight: 1) }
        var corrected: [Float] = p.map { $0 > 0.5 ? 1 : 0 }
        for (slot, pixel) in round.points.pixels.enumerated() {
            if let pixel { corrected[pixel] = 1 / (1 + Float(exp(Double(-round.logits.scalars[slot])))) }
        }
        let whole = Losses.binaryDice(probabilities: Tensor(corrected, shape: [1, 64]), targets: Tensor(truth, shape: [1, 64]))
        #expect(abs(loss.dice.item - whole.item) < 1e-5)
    }
}
