import Tensor

/// Prompts a user gave for one image (interactive correction), in SAM's input frame. Each kind
/// given replaces the generated prompt of that kind; the coarse mask prompt is always kept, so a
/// corrected box still benefits from the TransUNet's shape.
public struct PromptOverride: Sendable, Equatable {
    /// One click: a position in SAM's frame and whether it marks lesion or background.
    public struct Point: Sendable, Equatable {
        public var x: Float
        public var y: Float
        public var label: PointLabel
        public init(x: Float, y: Float, label: PointLabel) {
            self.x = x
            self.y = y
            self.label = label
        }
    }

    /// Replacement clicks (nil: keep the generated positive/negative pair).
    public var points: [Point]?
    /// Replacement box x0, y0, x1, y1 (nil: keep the generated box).
    public var box: [Float]?

    public init(points: [Point]? = nil, box: [Float]? = nil) {
        precondition(box == nil || box!.count == 4, "a box has four coordinates")
        self.points = points
        self.box = box
    }

    /// `prompts` with the given kinds replaced, for a batch of one image.
    func applied(to prompts: SAMPromptTensors) -> SAMPromptTensors {
        var result = prompts
        if let points {
            result.points = points.isEmpty ? nil
                : Tensor(points.flatMap { [$0.x, $0.y] }, shape: [1, points.count, 2])
            result.labels = points.map(\.label)
        }
        if let box { result.boxes = Tensor(box, shape: [1, 4]) }
        return result
    }
}
