import Foundation
import Imaging
import TransUNetModel

/// What one phase-1 TransUNet training job does: which prepared dataset and folds, which model,
/// how long, and where everything goes. The daemon builds this from a `train-transunet` job file.
public struct TransUNetTrainingOptions: Sendable {
    /// A prepared dataset folder (`splits.json`, `train/images`, `train/masks`).
    public var dataset: URL
    /// More prepared datasets trained on together with `dataset`, fold k of each merged; their
    /// cases are then named `FOLDER/stem`, so the folder names must differ.
    public var additionalDatasets: [URL] = []
    /// Folds of `splits.json` to train, each on its train cases and validated on its val cases.
    public var folds: [Int]
    /// A `TransUNet.presets` name: `cpu-tiny`, `cpu-small`, `R50-ViT-B_16`, ...
    public var preset: String
    /// Passes over each fold's training cases.
    public var epochs: Int
    /// Images per SGD step.
    public var batchSize: Int
    /// Base rate of the poly schedule.
    public var learningRate: Float
    /// Fixes the initial weights, the per-epoch shuffles and the dropout masks.
    public var seed: UInt64
    /// The job folder; everything is written below it.
    public var output: URL
    /// Weights to start every fold from: our `.safetensors`, the original's `.pth`, or a Google
    /// `.npz` ImageNet encoder (then only the encoder is loaded, as the original does).
    public var initialCheckpoint: URL?
    /// Input side overriding the preset's (a multiple of 16); smaller inputs make quick runs.
    public var imageSize: Int?
    /// Seeded flips, rotations and intensity jitter of every training batch (validation never);
    /// nil trains on the images as they are.
    public var augmentation: Augmentation?

    /// Options with the original recipe's defaults: batch 4, rate 0.01, seed 1234, and the
    /// default augmentation.
    public init(dataset: URL, folds: [Int], preset: String, epochs: Int, output: URL,
                batchSize: Int = 4, learningRate: Float = 0.01, seed: UInt64 = 1234,
                initialCheckpoint: URL? = nil, imageSize: Int? = nil, augmentation: Augmentation? = Augmentation()) {
        self.dataset = dataset
        self.folds = folds
        self.preset = preset
        self.epochs = epochs
        self.output = output
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.seed = seed
        self.initialCheckpoint = initialCheckpoint
        self.imageSize = imageSize
        self.augmentation = augmentation
    }

    /// `dataset` and then `additionalDatasets`.
    var datasets: [URL] { [dataset] + additionalDatasets }

    /// SGD momentum of the original recipe.
    static let momentum: Float = 0.9
    /// SGD weight decay of the original recipe.
    static let weightDecay: Float = 1e-4
    /// Exponent of the poly learning-rate schedule.
    static let polyPower: Float = 0.9
    /// Batches the background loader prepares ahead of the step being trained.
    static let prefetchBatches = 2
}
