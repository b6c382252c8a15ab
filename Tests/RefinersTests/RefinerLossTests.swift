import Foundation
import NN
@testable import Refiners
import Tensor
import TestSupport
import Testing

/// The joint objective: its composition, the quality weighting, and its gradients.
struct RefinerLossTests {
    struct Inputs {
        var coarseLogits, coarseTargets, candidates, iou, refinedTargets, coarseProbability: Tensor
    }

    func inputs(seed: UInt64 = 5) -> Inputs {
        var g = SeededGenerator(seed: seed)
        let labels = (0..<(2 * 6 * 6)).map { i in (i % 6 > 1 && (i / 6) % 6 > 1) ? 1 : 0 }
        let refinedTargets = Tensor((0..<128).map { Float(($0 / 8) % 8 > 3 ? 1 : 0) }, shape: [2, 1, 8, 8])
        // A decent coarse mask (Dice 1 after thresholding), so its change penalty weight is non-zero.
        let coarseProbability = refinedTargets * 0.7 + Tensor.uniform([2, 1, 8, 8], low: 0.1, high: 0.2, generator: &g)
        return Inputs(
            coarseLogits: Tensor.randn([2, 2, 6, 6], generator: &g),
            coarseTargets: Losses.oneHot(labels, batch: 2, classes: 2, height: 6, width: 6),
            candidates: Tensor.randn([2, 3, 8, 8], generator: &g),
            iou: Tensor.uniform([2, 3], generator: &g),
            refinedTargets: refinedTargets,
            coarseProbability: coarseProbability)
    }

    func terms(_ x: Inputs) -> RefinerLoss.Terms {
        RefinerLoss()(coarseLogits: x.coarseLogits, coarseTargets: x.coarseTargets, candidateLogits: x.candidates,
                      iouPredictions: x.iou, refinedTargets: x.refinedTargets, coarseInRefinedFrame: x.coarseProbability)
    }

    /// Every term on hand-made 2×2 tensors against the same term recomputed here in Double from
    /// its definition (the struct's doc), then the published mix of those independent terms.
    @Test func jointIsThePublishedMixOfCoarseAndRefined() {
        // (B, C, H, W) = (2, 2, 2, 2): item 0's class-0 then class-1 logits, then item 1's.
        let coarseLogits: [Float] = [1, -0.5, 0.3, 2, -1, 1.5, 0.2, -0.7,
                                     0.4, 0.9, -1.2, 0.1, 0.6, -0.3, 1.1, 0.8]
        let labels = [0, 1, 1, 0, 1, 0, 1, 1]
        let oneHot: [Float] = [1, 0, 0, 1, 0, 1, 1, 0,
                               0, 1, 0, 0, 1, 0, 1, 1]
        // (B, K, H, W) = (2, 2, 2, 2) candidate logits, none at the 0 threshold.
        let candidates: [Float] = [2, -1, 0.5, -2.5, -0.5, 1.5, 3, -1,
                                   1.2, -0.8, 2.2, 0.4, -1.5, -0.2, 0.9, 2.5]
        // SAM picks candidate 1 of item 0 and candidate 0 of item 1.
        let predicted: [Float] = [0.2, 0.9, 0.7, 0.4]
        let chosen = [1, 0]
        let truth: [Float] = [0, 1, 1, 0, 1, 0, 1, 0]
        // Item 0 thresholds to the truth: Dice 1, weight 1. Item 1 adds one false positive:
        // Dice 2·2/(3 + 2) = 0.8, s = (0.8 − 0.6)/0.4 = 0.5, weight s²(3 − 2s) = 0.5.
        let coarse: [Float] = [0.1, 0.8, 0.9, 0.3, 0.7, 0.6, 0.9, 0.2]
        let weights = [1.0, 0.5]
        let t = terms(Inputs(coarseLogits: Tensor(coarseLogits, shape: [2, 2, 2, 2]),
                             coarseTargets: Tensor(oneHot, shape: [2, 2, 2, 2]),
                             candidates: Tensor(candidates, shape: [2, 2, 2, 2]), iou: Tensor(predicted, shape: [2, 2]),
                             refinedTargets: Tensor(truth, shape: [2, 1, 2, 2]),
                             coarseProbability: Tensor(coarse, shape: [2, 1, 2, 2])))

        // Coarse: mean −log softmax at the label over the 8 pixels; Dice per class over the batch.
        var crossEntropy = 0.0
        var overlap = [0.0, 0.0], squares = [0.0, 0.0], targetSquares = [0.0, 0.0]
        for b in 0..<2 {
            for i in 0..<4 {
                let z = [Double(coarseLogits[b * 8 + i]), Double(coarseLogits[b * 8 + 4 + i])]
                let logSumExp = log(exp(z[0]) + exp(z[1]))
                let label = labels[b * 4 + i]
                crossEntropy += (logSumExp - z[label]) / 8
                for c in 0..<2 {
                    let p = exp(z[c] - logSumExp), target = c == label ? 1.0 : 0
                    overlap[c] += p * target
                    squares[c] += p * p
                    targetSquares[c] += target * target
                }
            }
        }
        var coarseDice = 0.0
        for c in 0..<2 {
            coarseDice += (1 - (2 * overlap[c] + 1e-5) / (squares[c] + targetSquares[c] + 1e-5)) / 2
        }

        // Refined: plane (b, k) is candidates[(2b + k)·4 ..< +4] against truth[4b ..< +4].
        var bce = 0.0, maskDice = 0.0, iouMSE = 0.0
        for b in 0..<2 {
            for k in 0..<2 {
                var intersection = 0.0, total = 0.0, both = 0, either = 0
                for i in 0..<4 {
                    let x = Double(candidates[(2 * b + k) * 4 + i]), y = Double(truth[b * 4 + i])
                    let p = 1 / (1 + exp(-x))
                    bce -= (y * log(p) + (1 - y) * log(1 - p)) / 16
                    intersection += p * y
                    total += p + y
                    if x > 0 && y > 0.5 { both += 1 }
                    if x > 0 || y > 0.5 { either += 1 }
                }
                maskDice += (1 - (2 * intersection + 1) / (total + 1)) / 4
                let actualIoU = Double(both) / Double(either)  // every truth plane has foreground
                iouMSE += (Double(predicted[2 * b + k]) - actualIoU) * (Double(predicted[2 * b + k]) - actualIoU) / 4
            }
        }
        var change = 0.0
        for b in 0..<2 {
            var squaredChange = 0.0
            for i in 0..<4 {
                let refined = 1 / (1 + exp(-Double(candidates[(2 * b + chosen[b]) * 4 + i])))
                squaredChange += (refined - Double(coarse[b * 4 + i])) * (refined - Double(coarse[b * 4 + i]))
            }
            change += weights[b] * squaredChange / 4 / 2
        }
        let coarseLoss = 0.5 * crossEntropy + 0.5 * coarseDice
        let refinedLoss = bce + maskDice + iouMSE + change
        let expected: [(String, Tensor, Double)] = [
            ("coarse CE", t.coarseCrossEntropy, crossEntropy), ("coarse Dice", t.coarseDice, coarseDice),
            ("mask BCE", t.maskBCE, bce), ("mask Dice", t.maskDice, maskDice), ("IoU MSE", t.iouMSE, iouMSE),
            ("change penalty", t.changePenalty, change), ("coarse", t.coarse, coarseLoss),
            ("refined", t.refined, refinedLoss), ("joint", t.joint, 0.3 * coarseLoss + 0.7 * refinedLoss),
        ]
        for (name, term, value) in expected {
            #expect(abs(Double(term.item) - value) < 1e-5, "\(name): \(term.item), by definition \(value)")
        }
    }

    @Test func changePenaltyVanishesForPoorCoarseMasksAndCountsForGoodOnes() {
        var x = inputs()
        // Coarse probability = ground truth exactly: Dice 1, weight 1, so the penalty is the full MSE.
        x.coarseProbability = x.refinedTargets
        let good = terms(x).changePenalty.item
        #expect(good > 0.05)
        // Coarse probability = the complement: Dice 0, weight 0, no penalty.
        x.coarseProbability = 1 - x.refinedTargets
        #expect(terms(x).changePenalty.item == 0)
    }

    @Test func iouTargetIsTheCandidatesActualIoU() {
        let logits = Tensor([5, 5, -5, -5, 5, -5, 5, -5], shape: [1, 2, 2, 2])
        let targets = Tensor([1, 1, 0, 0, 1, 1, 0, 0], shape: [1, 2, 2, 2])
        #expect(RefinerLoss.hardIoU(logits, targets) == [1, Float(1) / 3])
    }

    @Test func gradientsReachCoarseLogitsCandidatesIoUAndCoarseProbability() {
        let x = inputs()
        let coarse = x.coarseLogits.requiringGrad(), candidates = x.candidates.requiringGrad()
        let iou = x.iou.requiringGrad(), probability = x.coarseProbability.requiringGrad()
        let t = RefinerLoss()(coarseLogits: coarse, coarseTargets: x.coarseTargets, candidateLogits: candidates,
                              iouPredictions: iou, refinedTargets: x.refinedTargets, coarseInRefinedFrame: probability)
        t.joint.backward()
        for (name, tensor) in [("coarse", coarse), ("candidates", candidates), ("iou", iou), ("probability", probability)] {
            #expect((tensor.grad?.abs().sum().item ?? 0) > 0, "\(name) received no gradient")
        }
        // Finite differences on a few candidate logits and coarse probabilities.
        let checked: [(Int, WritableKeyPath<Inputs, Tensor>, Tensor)] = [
            (3, \.candidates, candidates), (40, \.candidates, candidates),
            (100, \.coarseProbability, probability), (7, \.coarseProbability, probability),
        ]
        for (i, field, leaf) in checked {
            let numeric = FiniteDifference.partials(of: { values in
                var probe = x
                probe[keyPath: field] = Tensor(values, shape: x[keyPath: field].shape)
                return Double(terms(probe).joint.item)
            }, at: x[keyPath: field].scalars, step: 1e-2, coordinates: [i])[0]
            let analytic = Double(leaf.grad!.scalars[i])
            // The hard IoU targets and quality weights are constants of the objective; a step of
            // 1e-2 on one logit never flips them here, so central differences apply (tolerance:
            // float32 rounding of O(1) losses over 2h ≈ 1e-5, curvature ≈ 1e-4).
            #expect(abs(numeric - analytic) < 5e-4 + 1e-2 * abs(numeric), "\(field) \(i): \(numeric) vs \(analytic)")
        }
    }
}

/// A refiner prompted by a box alone has no coarse map: the refined objective is then BCE +
/// Dice + IoU MSE, with no change penalty, and the other terms are those computed with one.
@Test func refinedObjectiveWithoutACoarseMapHasNoChangePenalty() {
    let x = RefinerLossTests().inputs()
    let loss = RefinerLoss()
    let with = loss.refined(candidateLogits: x.candidates, iouPredictions: x.iou, refinedTargets: x.refinedTargets,
                            coarseInRefinedFrame: x.coarseProbability)
    let without = loss.refined(candidateLogits: x.candidates, iouPredictions: x.iou, refinedTargets: x.refinedTargets,
                               coarseInRefinedFrame: nil)
    #expect(with.changePenalty.item > 0)
    #expect(without.changePenalty.item == 0)
    #expect(without.maskBCE.item == with.maskBCE.item && without.maskDice.item == with.maskDice.item)
    #expect(abs(without.total.item - (with.maskBCE.item + with.maskDice.item + with.iouMSE.item)) < 1e-6)
}
