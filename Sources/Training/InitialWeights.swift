import Foundation
import NN
import TransUNetModel

/// The weights a job starts every fold from.
enum InitialWeights {
    /// Loads `url` into `model`: a Google `.npz` fills only the encoder (the original's
    /// ImageNet start), a `.pth` or `.safetensors` must fit the whole model.
    static func load(_ url: URL?, into model: TransUNet) throws {
        guard let url else { return }
        switch url.pathExtension.lowercased() {
        case "npz":
            try GoogleCheckpoint.load(url, into: model)
        case "pth", "pt", "safetensors":
            try model.load(ModelCheckpoint(contentsOf: url))
        default:
            throw TrainingError(url.path, "initial checkpoint must be .safetensors, .pth or a Google .npz encoder")
        }
    }
}
