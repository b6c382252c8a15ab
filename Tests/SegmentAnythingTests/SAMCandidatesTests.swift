import SegmentAnything
import Tensor
import Testing

/// The one choice of SAM's output mask, shared by the predictor, the joint model and its loss.
struct SAMCandidatesTests {
    @Test func bestIsTheHighestPredictedIoUAndTheFirstOnTies() {
        #expect(SAMCandidates.best([0.2, 0.9, 0.5]) == 1)
        #expect(SAMCandidates.best([0.7, 0.3, 0.7]) == 0)
        #expect(SAMCandidates.best([]) == 0)
    }

    @Test func eachItemOfABatchChoosesAmongItsOwnCandidates() {
        let iou = Tensor([0.1, 0.2, 0.9, 0.8, 0.3, 0.4], shape: [2, 3])
        #expect(SAMCandidates.best(iouPredictions: iou) == [2, 0])
    }

    @Test func selectTakesTheChosenPlaneOfEachItem() {
        // Plane (b, k) of (2, 3, 1, 2) logits holds 10b + k in both pixels.
        let logits = Tensor([0, 0, 1, 1, 2, 2, 10, 10, 11, 11, 12, 12], shape: [2, 3, 1, 2])
        let chosen = SAMCandidates.select(logits, [2, 1])
        #expect(chosen.shape == [2, 1, 1, 2])
        #expect(chosen.scalars == [2, 2, 11, 11])
    }
}
