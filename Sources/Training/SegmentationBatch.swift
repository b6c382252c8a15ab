import NN
import Tensor

/// A batch of samples as the model and the loss take them.
struct SegmentationBatch {
    /// (B, 1, S, S) in [0, 1].
    let images: Tensor
    /// (B, 2, S, S) one-hot background/lesion.
    let targets: Tensor

    init(_ samples: [TrainingSample], side: Int) {
        images = Tensor.concatenate(samples.map(\.input), axis: 0)
        let labels = samples.flatMap { $0.labels.map(Int.init) }
        targets = Losses.oneHot(labels, batch: samples.count, classes: 2, height: side, width: side)
    }
}
