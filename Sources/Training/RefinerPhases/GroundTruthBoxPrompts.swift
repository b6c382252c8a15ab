import Pixels
import SegmentAnything
import Tensor

/// Phase 2's prompts in the ground-truth-box setting (`PhasePrompts.groundTruthBox`), made from
/// a case's ground truth.
extension RefinerCase {
    /// The box prompt in the model's frame: the tight box of the ground truth, each side moved
    /// outwards by its own uniform 0…`shift` frame pixels drawn from `jitter` (none without
    /// one), clamped to the image's region of the frame.
    func groundTruthBoxPrompt(shift: Int, jitter: SeededGenerator?) -> SAMPromptTensors {
        guard let box = GroundTruthBoxEvaluation.box(of: truth) else {
            preconditionFailure("case \(name) has no lesion, so no box (phase 2 keeps only lesion cases)")
        }
        var prompts = input.promptTensors(SAMPrompt(box: box))
        guard var jitter, shift > 0, let tight = prompts.boxes?.scalars else { return prompts }
        func draw() -> Float { Float(Int(jitter.uniform() * Double(shift + 1))) }
        let width = Float(input.frame.content.w), height = Float(input.frame.content.h)
        let moved = [max(tight[0] - draw(), 0), max(tight[1] - draw(), 0),
                     min(tight[2] + draw(), width), min(tight[3] + draw(), height)]
        prompts.boxes = Tensor(moved, shape: [1, 4])
        return prompts
    }

    /// (1, side, side) 0/1 map of the tight ground-truth box on the coarse grid: what the box
    /// prompt alone says about the lesion, compared in validation where a coarse map would be.
    var groundTruthBoxOnCoarseGrid: Tensor {
        let grid = truthOnCoarseGrid
        guard let box = GroundTruthBoxEvaluation.box(of: grid) else {
            preconditionFailure("case \(name) has no lesion, so no box (phase 2 keeps only lesion cases)")
        }
        var values = [Float](repeating: 0, count: grid.width * grid.height)
        for y in Int(box[1])...Int(box[3]) {
            for x in Int(box[0])...Int(box[2]) { values[y * grid.width + x] = 1 }
        }
        return Tensor(values, shape: [1, grid.height, grid.width])
    }
}
