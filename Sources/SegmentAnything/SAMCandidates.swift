import Tensor

/// SAM's choice among its candidate masks: the one with the highest predicted IoU (SAM 1.0 has
/// no stability-based choice), the first on ties. The predictor, the joint model and its loss
/// all pick through here, so the mask a user sees is the one training penalised.
public enum SAMCandidates {
    /// The index of the highest score, 0 when there is none.
    public static func best(_ iou: [Float]) -> Int {
        iou.indices.max { iou[$0] < iou[$1] } ?? 0
    }

    /// The best candidate of each item of (B, C) IoU predictions.
    public static func best(iouPredictions: Tensor) -> [Int] {
        precondition(iouPredictions.rank == 2, "IoU predictions must be (B, C), got \(iouPredictions.shape)")
        let count = iouPredictions.shape[1], scores = iouPredictions.scalars
        return (0..<iouPredictions.shape[0]).map { b in best(Array(scores[(b * count)..<((b + 1) * count)])) }
    }

    /// (B, 1, H, W): candidate `chosen[b]` of each item of (B, C, H, W) logits, differentiably.
    public static func select(_ candidateLogits: Tensor, _ chosen: [Int]) -> Tensor {
        precondition(chosen.count == candidateLogits.shape[0], "one choice per item: \(chosen.count) for \(candidateLogits.shape)")
        return Tensor.concatenate(chosen.enumerated().map { b, k in
            candidateLogits.slice(axis: 0, b, b + 1).slice(axis: 1, k, k + 1)
        }, axis: 0)
    }
}
