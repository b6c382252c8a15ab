import Formats
import Foundation
import Imaging
import Tensor
import TransUNetModel

/// One prepared case at the model's input size: what training and validation consume.
struct TrainingSample: Sendable {
    /// The model input (1, 1, S, S) in [0, 1], as `TransUNetPredictor.input(for:)` makes it.
    let input: Tensor
    /// Class per pixel (S·S, row-major): 1 for lesion, 0 for background.
    let labels: [UInt8]

    /// Reads `train/images/NAME.png` and `train/masks/NAME.png` of a prepared dataset; the mask
    /// is resized by nearest neighbour (labels stay labels) and binarised.
    static func load(_ name: String, dataset: URL, predictor: TransUNetPredictor) throws -> TrainingSample {
        let imageFile = dataset.appendingPathComponent("train/images/\(name).png")
        let maskFile = dataset.appendingPathComponent("train/masks/\(name).png")
        let image = try PNG.readGray(imageFile)
        let mask = try PNG.readGray(maskFile)
        guard mask.width == image.width, mask.height == image.height else {
            throw TrainingError(maskFile.path, "mask is \(mask.width)x\(mask.height) but its image is \(image.width)x\(image.height)")
        }
        let side = predictor.model.config.imageSize
        let labels = mask.resizedNearest(width: side, height: side).pixels.map { $0 > 0 ? UInt8(1) : 0 }
        return TrainingSample(input: predictor.input(for: image), labels: labels)
    }
}
