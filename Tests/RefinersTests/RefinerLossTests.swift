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

    @Test func jointIsThePublishedMixOfCoarseAndRefined() {
        let t = terms(inputs())
        #expect(abs(t.coarse.item - (0.5 * t.coarseCrossEntropy.item + 0.5 * t.coarseDice.item)) < 1e-6)
        #expect(abs(t.refined.item - (t.maskBCE.item + t.maskDice.item + t.iouMSE.item + t.changePenalty.item)) < 1e-5)
        #expect(abs(t.joint.item - (0.3 * t.coarse.item + 0.7 * t.refined.item)) < 1e-6)
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
