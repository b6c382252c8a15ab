import Imaging
import NN
import Pixels
import SegmentAnything
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
        let coarse = Losses.transUNet(logits: coarseLogits, oneHotTargets: coarseTargets)
        let refined = self.refined(candidateLogits: candidateLogits, iouPredictions: iouPredictions,
                                   refinedTargets: refinedTargets, coarseInRefinedFrame: coarseInRefinedFrame)
        return Terms(coarseCrossEntropy: coarse.crossEntropy, coarseDice: coarse.dice, maskBCE: refined.maskBCE,
                     maskDice: refined.maskDice, iouMSE: refined.iouMSE, changePenalty: refined.changePenalty,
                     coarse: coarse.total, refined: refined.total,
                     joint: coarse.total * coarseWeight + refined.total * refinedWeight)
    }

    /// The refined objective's terms alone: what the refiner phase (2) trains on.
    public struct RefinedTerms {
        public var maskBCE: Tensor
        public var maskDice: Tensor
        public var iouMSE: Tensor
        public var changePenalty: Tensor
        public var total: Tensor
    }

    /// The refined objective (see the type's description); arguments as in `callAsFunction`.
    /// Without a coarse map (a refiner prompted by a box alone) there is nothing to stay close
    /// to, and the change penalty is 0.
    public func refined(candidateLogits: Tensor, iouPredictions: Tensor, refinedTargets: Tensor,
                        coarseInRefinedFrame: Tensor?) -> RefinedTerms {
        let batch = candidateLogits.shape[0]
        let bce = component(.bce, candidateLogits: candidateLogits, iouPredictions: iouPredictions, refinedTargets: refinedTargets)
        let maskDice = component(.dice, candidateLogits: candidateLogits, iouPredictions: iouPredictions, refinedTargets: refinedTargets)
        let iouMSE = component(.mse, candidateLogits: candidateLogits, iouPredictions: iouPredictions, refinedTargets: refinedTargets)

        let change: Tensor
        if let coarseInRefinedFrame {
            // The candidate SAM would return, and how good the coarse mask already was.
            let refined = SAMCandidates.select(candidateLogits, SAMCandidates.best(iouPredictions: iouPredictions)).sigmoid()
            let weights = Self.qualityWeights(coarse: coarseInRefinedFrame.detached(), targets: refinedTargets.detached())
            let perItem = (refined - coarseInRefinedFrame).squared().mean(axes: [1, 2, 3])
            change = (perItem * Tensor(weights, shape: [batch])).mean() * changePenaltyWeight
        } else {
            change = Tensor(0)
        }
        return RefinedTerms(maskBCE: bce, maskDice: maskDice, iouMSE: iouMSE, changePenalty: change,
                            total: bce + maskDice + iouMSE + change)
    }

    /// The refined terms U-MedSAM's uncertainty-weighted multi-loss can combine.
    public enum Component: String, Sendable, Codable, CaseIterable {
        /// Soft Dice of every candidate against the ground truth.
        case dice
        /// BCE-with-logits of every candidate.
        case bce
        /// MSE between the IoU head's predictions and each candidate's actual IoU.
        case mse
        /// `Losses.shapeDistance` of every candidate against the ground truth's `ShapeDistanceTarget`.
        case shape
    }

    /// One refined term, on every candidate as `refined` trains them (SAM returns several and
    /// picks one by predicted IoU, so each candidate learns the ground truth and the IoU head
    /// learns to rank them); arguments as in `callAsFunction`.
    public func component(_ component: Component, candidateLogits: Tensor, iouPredictions: Tensor,
                          refinedTargets: Tensor) -> Tensor {
        let batch = candidateLogits.shape[0], candidates = candidateLogits.shape[1]
        precondition(iouPredictions.shape == [batch, candidates], "iouPredictions must be (B, K)")
        precondition(refinedTargets.shape == [batch, 1] + Array(candidateLogits.shape[2...]),
                     "refinedTargets must be (B, 1, H, W) on the candidates' grid")
        let targets = refinedTargets.expanded(to: candidateLogits.shape)
        let planes = [batch * candidates, -1]
        switch component {
        case .bce:
            return Losses.binaryCrossEntropyWithLogits(candidateLogits, targets: targets)
        case .dice:
            return Losses.binaryDice(probabilities: candidateLogits.sigmoid().reshaped(planes), targets: targets.reshaped(planes))
        case .mse:
            let actualIoU = Tensor(Self.hardIoU(candidateLogits.detached(), targets.detached()), shape: [batch, candidates])
            return Losses.meanSquaredError(iouPredictions, actualIoU)
        case .shape:
            let shapeTargets = Self.shapeTargets(refinedTargets).expanded(to: candidateLogits.shape)
            return Losses.shapeDistance(probabilities: candidateLogits.sigmoid().reshaped(planes),
                                        target: shapeTargets.reshaped(planes))
        }
    }

    /// `ShapeDistanceTarget` of each item's ground truth (B, 1, H, W), thresholded at 0.5.
    static func shapeTargets(_ targets: Tensor) -> Tensor {
        let batch = targets.shape[0], height = targets.shape[2], width = targets.shape[3]
        let values = targets.detached().scalars
        let size = height * width
        let maps = (0..<batch).flatMap { b in
            ShapeDistanceTarget.of(Raster(width: width, height: height,
                                          pixels: values[(b * size)..<((b + 1) * size)].map { $0 > 0.5 ? UInt8(255) : 0 }))
        }
        return Tensor(maps, shape: targets.shape)
    }

    /// IoU of `logits > 0` against `targets > 0.5` for every (item, candidate) plane.
    static func hardIoU(_ logits: Tensor, _ targets: Tensor) -> [Float] {
        let planes = logits.shape[0] * logits.shape[1]
        let size = logits.count / planes
        let l = logits.scalars, t = targets.scalars
        return (0..<planes).map { p in
            // Float of the Double ratio equals the Float ratio: counts are exact in Float and
            // double rounding of a quotient is harmless when 53 ≥ 2·24 + 2 bits.
            Float(OverlapCounts(count: size) { (l[p * size + $0] > 0, t[p * size + $0] > 0.5) }.iou)
        }
    }

    /// `w(Dice(coarse > 0.5, GT))` per item.
    static func qualityWeights(coarse: Tensor, targets: Tensor) -> [Float] {
        let batch = coarse.shape[0], size = coarse.count / batch
        let c = coarse.scalars, t = targets.scalars
        return (0..<batch).map { b in
            let dice = OverlapCounts(count: size) { (c[b * size + $0] > 0.5, t[b * size + $0] > 0.5) }.dice
            return Float(QualityWeight.forDice(dice))
        }
    }
}
