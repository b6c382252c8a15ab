import Tensor

extension Tensor {
    /// The foreground probability (B, H, W) of (B, C, H, W) class logits: softmax over the
    /// classes, class 1 — what a two-class segmentation network's output means.
    public func foregroundProbability() -> Tensor {
        softmax(axis: 1).slice(axis: 1, 1, 2).squeezed(1)
    }
}
