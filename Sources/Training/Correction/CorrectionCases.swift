import Foundation
import Imaging
import Pixels
import Refiners
import SegmentAnything
import Tensor

/// One case as the corrector sees it: round 0 (LiteMedSAM's mask from the ground-truth box)
/// and the truth, both on the correction grid.
public struct CorrectionCase: Sendable {
    public var name: String
    public var grid: CorrectionGrid
    /// Round-0 logits on the grid, row-major.
    public var initialLogits: [Float]
    /// The ground truth on the grid (area resampling, half coverage).
    public var truth: [Bool]

    public init(name: String, grid: CorrectionGrid, initialLogits: [Float], truth: [Bool]) {
        self.name = name
        self.grid = grid
        self.initialLogits = initialLogits
        self.truth = truth
    }
}

/// Round 0 of the interactive protocol: SAM prompted with the ground-truth mask's box, as
/// `evaluate --prompt gt-box` prompts it, its best candidate's logits taken onto the grid.
public enum CorrectionRoundZero {
    /// SAM's prediction for `box` and that prediction's logits on `grid`.
    public static func predict(_ predictor: SAMPredictor, box: [Double], grid: CorrectionGrid)
        -> (prediction: SAMPrediction, logits: [Float]) {
        let prediction = predictor.predict(SAMPrompt(box: box))
        return (prediction, grid.onGrid(lowRes: prediction.lowRes[index: prediction.bestIndex], input: predictor.input))
    }

    /// The training cases of `names` in `folder` (a prepared split's `train/` or `test/`):
    /// cases whose truth is empty have no box and are left out. `progress` hears of each case.
    public static func cases(_ names: [String], in folder: URL, sam: SAM, preprocessing: SAMPreprocessing,
                             gridSide: Int, cache: SAMEmbeddingCache?,
                             progress: (_ position: Int, _ name: String) -> Void = { _, _ in }) throws -> [CorrectionCase] {
        var out: [CorrectionCase] = []
        for (index, name) in names.enumerated() {
            let (image, truth) = try DatasetEvaluation.readCase(name, in: folder)
            progress(index + 1, name)
            guard let box = GroundTruthBoxEvaluation.box(of: truth) else { continue }
            let grid = CorrectionGrid(imageWidth: image.width, imageHeight: image.height, side: gridSide)
            let predictor = try SAMPredictor(model: sam, image: image, preprocessing: preprocessing, cache: cache)
            out.append(CorrectionCase(name: name, grid: grid, initialLogits: predict(predictor, box: box, grid: grid).logits,
                                      truth: grid.onGrid(truth)))
        }
        return out
    }
}
