import Formats
import Foundation
import Imaging
import NN
import Pixels
import SegmentAnything
import Tensor
import TransUNetModel

/// One prepared lesion case as the refiner phases consume it: the image in SAM's frame (or its
/// cached embedding), the ground truth on SAM's mask grid, on the coarse grid and at the
/// original size, and, for the end-to-end phase, TransUNet's input and targets.
struct RefinerCase {
    let name: String
    /// The image prepared for SAM, with its frame; `input.tensor` feeds a trained encoder.
    let input: SAMInput
    /// The frozen encoder's output, when the encoder does not train.
    let embedding: Tensor?
    /// (1, 1, M, M) ground truth in {0, 1} where the frame holds the image on SAM's mask grid.
    let target: Tensor
    /// The ground truth (0/255) on the coarse grid, the square the whole image is squashed into
    /// as TransUNet sees it: what the failure simulator corrupts.
    let truthOnCoarseGrid: Raster<UInt8>
    /// The ground truth (0/255) at the original size, for validation metrics.
    let truth: Raster<UInt8>
    /// TransUNet's (1, 1, S, S) input and (1, 2, S, S) one-hot targets (end-to-end phase only).
    let coarse: (input: Tensor, targets: Tensor)?

    /// What loading needs to know about the models.
    struct Setup {
        var sam: SAM
        var preprocessing: SAMPreprocessing
        /// Embeddings are computed (or read from `cache`) only when the encoder is frozen.
        var frozenEncoder: Bool
        var cache: SAMEmbeddingCache?
        var coarseSide: Int
        /// TransUNet's input maker, for the end-to-end phase.
        var transunet: TransUNetPredictor?
    }

    /// Reads `split/images/NAME.png` and `split/masks/NAME.png` of a prepared dataset.
    static func load(_ name: String, dataset: URL, split: String = "train", setup: Setup) throws -> RefinerCase {
        let imageFile = dataset.appendingPathComponent("\(split)/images/\(name).png")
        let maskFile = dataset.appendingPathComponent("\(split)/masks/\(name).png")
        let image = try PNG.readGray(imageFile)
        let mask = try PNG.readGray(maskFile).map { $0 > 0 ? UInt8(255) : 0 }
        guard mask.width == image.width, mask.height == image.height else {
            throw TrainingError(maskFile.path, "mask is \(mask.width)x\(mask.height) but its image is \(image.width)x\(image.height)")
        }
        let input = SAMInput(image: image, preprocessing: setup.preprocessing, config: setup.sam.config)
        var embedding: Tensor?
        if setup.frozenEncoder {
            let encode = { noGrad { setup.sam.image_encoder(input.tensor) } }
            embedding = try setup.cache.map { try $0.embedding(for: image, preprocessing: setup.preprocessing, compute: encode) }
                ?? encode()
        }
        var coarse: (Tensor, Tensor)?
        if let predictor = setup.transunet {
            let side = predictor.model.config.imageSize
            let labels = mask.resizedNearest(width: side, height: side).pixels.map { $0 > 0 ? 1 : 0 }
            coarse = (predictor.input(for: image), Losses.oneHot(labels, batch: 1, classes: 2, height: side, width: side))
        }
        return RefinerCase(
            name: name, input: input, embedding: embedding, target: Self.maskGridTarget(mask, frame: input.frame),
            truthOnCoarseGrid: mask.resizedNearest(width: setup.coarseSide, height: setup.coarseSide),
            truth: mask, coarse: coarse)
    }

    /// The mask resized (nearest) onto the frame's content region of the mask grid, zero on the
    /// padding: the refined output's target, aligned with how the mask prompt is laid out.
    static func maskGridTarget(_ mask: Raster<UInt8>, frame: SAMFrame) -> Tensor {
        let grid = frame.maskSide, content = frame.contentOnMaskGrid
        let resized = mask.resizedNearest(width: content.w, height: content.h)
        var values = [Float](repeating: 0, count: grid * grid)
        for y in 0..<content.h {
            for x in 0..<content.w where resized.pixels[y * content.w + x] > 0 { values[y * grid + x] = 1 }
        }
        return Tensor(values, shape: [1, 1, grid, grid])
    }

    /// Whether the simulator can corrupt this case's lesion (empty and tiny masks cannot).
    var simulatable: Bool {
        truthOnCoarseGrid.pixels.reduce(0) { $0 + ($1 > 0 ? 1 : 0) } >= FailureSimulator.minimumArea
    }
}
