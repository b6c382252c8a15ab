import Imaging
import NN
import Tensor

/// The training objective of the joint model (phase 3) and of its parts:
///
/// - coarse: `0.5·CE + 0.5·Dice` on the TransUNet logits (TransUNet's own recipe);
/// - refined: BCE-with-logits + soft Dice on every candidate mask, MSE between each predicted
///   IoU and the candidate's actual IoU, and the quality-aware change penalty
///   `mean((refined − coarse)²) · w(Dice(coarse, GT))`, where `refined` is the candidate SAM
///   would pick (highest predicted IoU) and `w` is `QualityWeight.forDice`: ≈0 for a
///   poor coarse mask (the refiner should change it), ≈1 for a good one (leave it alone);
/// - joint: `0.3·coarse + 0.7·refined`.
public struct RefinerLoss {
    public var coarseWeight: Float = 0.3
    public var refinedWeight: Float = 0.7
    public var changePenaltyWeight: Float = 1

    public init() {}

    /// Every term, so training logs can show them separately.
    public struct Terms {
        public var coarseCrossEntropy: Tensor
        public var coarseDice: Tensor
        public var maskBCE: Tensor
        public var maskDice: Tensor
        public var iouMSE: Tensor
        public var changePenalty: Tensor
        public var coarse: Tensor
        public var refined: Tensor
        public var joint: Tensor
    }

    /// - Parameters:
    ///   - coarseLogits: (B, 2, h, w) TransUNet logits.
    ///   - coarseTargets: (B, 2, h, w) one-hot ground truth on the coarse grid.
    ///   - candidateLogits: (B, K, H, W) SAM's low-resolution mask logits.
    ///   - iouPredictions: (B, K).
    ///   - refinedTargets: (B, 1, H, W) ground truth in {0, 1} on SAM's low-resolution grid.
    ///   - coarseInRefinedFrame: (B, 1, H, W) the coarse foreground probability resampled onto
    ///     the same grid (differentiable: the change penalty also trains the coarse network).
    public func callAsFunction(coarseLogits: Tensor, coarseTargets: Tensor, candidateLogits: Tensor,
                               iouPredictions: Tensor, refinedTargets: Tensor, coarseInRefinedFrame: Tensor) -> Terms {
        let batch = candidateLogits.shape[0], candidates = candidateLogits.shape[1]
        precondition(iouPredictions.shape == [batch, candidates], "iouPredictions must be (B, K)")
        precondition(refinedTargets.shape == [batch, 1] + Array(candidateLogits.shape[2...]),
                     "refinedTargets must be (B, 1, H, W) on the candidates' grid")
        let ce = Losses.crossEntropy(logits: coarseLogits, oneHotTargets: coarseTargets)
        let coarseDice = Losses.softmaxDice(logits: coarseLogits, oneHotTargets: coarseTargets)

        let targets = refinedTargets.expanded(to: candidateLogits.shape)
        let bce = Losses.binaryCrossEntropyWithLogits(candidateLogits, targets: targets)
        let maskDice = Losses.binaryDice(probabilities: candidateLogits.sigmoid().reshaped([batch * candidates, -1]),
                                         targets: targets.reshaped([batch * candidates, -1]))
        let actualIoU = Tensor(Self.hardIoU(candidateLogits.detached(), targets.detached()), shape: [batch, candidates])
        let iouMSE = Losses.meanSquaredError(iouPredictions, actualIoU)

        // The candidate SAM would return, and how good the coarse mask already was.
        let predicted = iouPredictions.scalars
        let chosen = (0..<batch).map { b in
            (0..<candidates).max { predicted[b * candidates + $0] < predicted[b * candidates + $1] }!
        }
        let refined = Tensor.concatenate((0..<batch).map { b in
            candidateLogits.slice(axis: 0, b, b + 1).slice(axis: 1, chosen[b], chosen[b] + 1)
        }, axis: 0).sigmoid()
        let weights = Self.qualityWeights(coarse: coarseInRefinedFrame.detached(), targets: refinedTargets.detached())
        let perItem = (refined - coarseInRefinedFrame).squared().mean(axes: [1, 2, 3])
        let change = (perItem * Tensor(weights, shape: [batch])).mean() * changePenaltyWeight

        let coarse = ce * 0.5 + coarseDice * 0.5
        let refinedLoss = bce + maskDice + iouMSE + change
        return Terms(coarseCrossEntropy: ce, coarseDice: coarseDice, maskBCE: bce, maskDice: maskDice, iouMSE: iouMSE,
                     changePenalty: change, coarse: coarse, refined: refinedLoss,
                     joint: coarse * coarseWeight + refinedLoss * refinedWeight)
    }

    /// IoU of `logits > 0` against `targets > 0.5` for every (item, candidate) plane.
    static func hardIoU(_ logits: Tensor, _ targets: Tensor) -> [Float] {
        let planes = logits.shape[0] * logits.shape[1]
        let size = logits.count / planes
        let l = logits.scalars, t = targets.scalars
        return (0..<planes).map { p in
            var intersection = 0, union = 0
            for i in (p * size)..<((p + 1) * size) {
                let a = l[i] > 0, b = t[i] > 0.5
                if a && b { intersection += 1 }
                if a || b { union += 1 }
            }
            return union == 0 ? 1 : Float(intersection) / Float(union)
        }
    }

    /// `w(Dice(coarse > 0.5, GT))` per item.
    static func qualityWeights(coarse: Tensor, targets: Tensor) -> [Float] {
        let batch = coarse.shape[0], size = coarse.count / batch
        let c = coarse.scalars, t = targets.scalars
        return (0..<batch).map { b in
            var intersection = 0, a = 0, g = 0
            for i in (b * size)..<((b + 1) * size) {
                let x = c[i] > 0.5, y = t[i] > 0.5
                if x { a += 1 }
                if y { g += 1 }
                if x && y { intersection += 1 }
            }
            let dice = Overlap.dice(intersection: intersection, areaA: a, areaB: g)
            return Float(QualityWeight.forDice(dice))
        }
    }
}
