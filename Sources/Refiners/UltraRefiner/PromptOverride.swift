import SegmentAnything
import Tensor

/// Prompts a user gave for one image (interactive correction), in SAM's input frame. Each kind
/// given replaces the generated prompt of that kind; the coarse mask prompt is always kept, so a
/// corrected box still benefits from the TransUNet's shape.
public struct PromptOverride: Sendable, Equatable {
    /// Replacement clicks (x, y) in SAM's frame (nil: keep the generated positive/negative pair).
    public var points: [SIMD2<Float>]?
    /// The labels of `points`, one each.
    public var labels: [PointLabel]
    /// Replacement box x0, y0, x1, y1 (nil: keep the generated box).
    public var box: [Float]?

    public init(points: [SIMD2<Float>]? = nil, labels: [PointLabel] = [], box: [Float]? = nil) {
        precondition(box == nil || box!.count == 4, "a box has four coordinates")
        precondition((points?.count ?? 0) == labels.count, "one label per point")
        self.points = points
        self.labels = labels
        self.box = box
    }

    /// `prompts` with the given kinds replaced, for a batch of one image.
    func applied(to prompts: SAMPromptTensors) -> SAMPromptTensors {
        var result = prompts
        if let points {
            result.points = points.isEmpty ? nil
                : Tensor(points.flatMap { [$0.x, $0.y] }, shape: [1, points.count, 2])
            result.labels = labels
        }
        if let box { result.boxes = Tensor(box, shape: [1, 4]) }
        return result
    }
}
