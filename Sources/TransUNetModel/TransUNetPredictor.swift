import Durable
import Formats
import Foundation
import Imaging
import NN
import Pixels
import Tensor

/// Coarse segmentation of one grayscale image with a loaded TransUNet: the stage the CLI's
/// `infer --coarse-only` and the daemon run before refinement.
///
/// Pre-processing follows the Synapse/BUSI convention of the original training code: the
/// grayscale image is resized bilinearly (as `F.interpolate`, no antialias) to the model's
/// input size and scaled to [0, 1]; an image already at that size is used as is.
public struct TransUNetPredictor {
    /// The model, in evaluation mode.
    public let model: TransUNet

    /// Wraps `model`, switching it to evaluation mode.
    public init(model: TransUNet) {
        model.setTraining(false)
        self.model = model
    }

    /// A predictor for the checkpoint at `url` (`.pth` of the original code, or our
    /// `.safetensors`). `configName` picks a named configuration; nil or `"auto"` uses the
    /// configuration stored in the file or inferred from its shapes.
    public init(checkpoint url: URL, configName: String? = nil) throws {
        let ext = url.pathExtension.lowercased()
        guard ext == "pth" || ext == "pt" || ext == "safetensors" else {
            let hint = ext == "npz" ? " (a Google .npz holds only the pretrained encoder, not a trained decoder)" : ""
            throw FormatError(url, "expected a .pth or .safetensors TransUNet checkpoint\(hint)")
        }
        let checkpoint = try ModelCheckpoint<TransUNet>(contentsOf: url)
        var config: TransUNetConfig?
        if let configName, configName != "auto" {
            guard let named = TransUNet.preset(named: configName) else {
                throw TransUNetConfigError("unknown model '\(configName)' (known: \(TransUNet.presetList), auto)")
            }
            config = named
        }
        self.init(model: try TransUNet.load(checkpoint, config: config))
    }

    /// The model input (1, 1, S, S) in [0, 1] for an 8-bit grayscale image of any size.
    public func input(for image: Raster<UInt8>) -> Tensor {
        precondition(image.channels == 1, "TransUNetPredictor needs a grayscale image")
        let size = model.config.imageSize
        let pixels = Tensor(image.pixels.map { Float($0) }, shape: [1, 1, image.height, image.width])
        let resized = (image.width == size && image.height == size)
            ? pixels : pixels.interpolated(size: Size2D(size, size), mode: .bilinear(alignCorners: false))
        // A true division, as `png / 255` in the reference pipeline (× (1/255) rounds differently).
        return resized / Tensor(255)
    }

    /// Foreground probability at the model's input size (S, S), in [0, 1].
    public func foregroundProbability(_ image: Raster<UInt8>) -> Tensor {
        noGrad {
            let size = model.config.imageSize
            return model.foregroundProbability(input(for: image)).reshaped([size, size])
        }
    }

    /// The binary mask (0/255) at `width`×`height`: the probability is resized bilinearly to
    /// the original size and thresholded at 0.5 there, which avoids the blocky edges of
    /// upscaling an already thresholded 224² mask.
    public static func mask(_ probability: Tensor, width: Int, height: Int) -> Raster<UInt8> {
        let size = probability.shape
        let full = noGrad {
            probability.reshaped([1, 1, size[0], size[1]])
                .interpolated(size: Size2D(height, width), mode: .bilinear(alignCorners: false))
        }
        return Raster(width: width, height: height, pixels: full.scalars.map { $0 > 0.5 ? 255 : 0 })
    }
}
