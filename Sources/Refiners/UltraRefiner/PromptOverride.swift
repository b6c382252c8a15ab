import SegmentAnything
import Tensor

/// Prompts a user gave for one image (interactive correction), in SAM's input frame. Each kind
/// given replaces the generated prompt of that kind; the coarse mask prompt is always kept, so a
/// corrected box still benefits from the TransUNet's shape.
public struct PromptOverride: Sendable {
    /// Replacement clicks, (1, N, 2) in SAM's frame (nil: keep the generated positive/negative pair).
    public var points: Tensor?
    /// The labels of `points`, one each.
    public var labels: [PointLabel]
    /// Replacement box, (1, 4) x0, y0, x1, y1 (nil: keep the generated box).
    public var boxes: Tensor?

    /// The points and box of `prompts` (mapped into the frame by `SAMInput.promptTensors`)
    /// as replacements; its mask prompt, if any, is not used.
    public init(_ prompts: SAMPromptTensors) {
        precondition(prompts.batchSize == 1, "prompt overrides are per image")
        points = prompts.points
        labels = prompts.labels
        boxes = prompts.boxes
    }

    /// True when there is nothing to replace.
    public var isEmpty: Bool { points == nil && boxes == nil }

    /// `prompts` with the given kinds replaced, for a batch of one image.
    func applied(to prompts: SAMPromptTensors) -> SAMPromptTensors {
        var result = prompts
        if let points {
            result.points = points
            result.labels = labels
        }
        if let boxes { result.boxes = boxes }
        return result
    }
}
