import NN
import Tensor

/// A batch of samples as the model and the loss take them.
struct SegmentationBatch: Sendable {
    /// (B, 1, S, S) in [0, 1].
    let images: Tensor
    /// (B, 2, S, S) one-hot background/lesion.
    let targets: Tensor

    /// `count` images (S·S values each, row-major, one after another) and their labels alike.
    init(images: [Float], labels: [UInt8], count: Int, side: Int) {
        self.images = Tensor(images, shape: [count, 1, side, side])
        targets = Losses.oneHot(labels.map(Int.init), batch: count, classes: 2, height: side, width: side)
    }
}
