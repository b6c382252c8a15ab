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
    /// The grayscale image, kept only when the encoder trains, for augmentation.
    let image: Raster<UInt8>?

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

    /// Reads `split/images/STEM.png` and `split/masks/STEM.png` of a prepared dataset as the
    /// case `name` (the stem, or `DATASET/stem` when a job trains on several datasets).
    static func load(_ stem: String, name: String? = nil, dataset: URL, split: String = "train", setup: Setup) throws -> RefinerCase {
        let imageFile = dataset.appendingPathComponent("\(split)/images/\(stem).png")
        let maskFile = dataset.appendingPathComponent("\(split)/masks/\(stem).png")
        let image = try PNG.readGray(imageFile)
        let mask = try PNG.readGray(maskFile).map { $0 > 0 ? UInt8(255) : 0 }
        guard mask.width == image.width, mask.height == image.height else {
            throw TrainingError(maskFile.path, "mask is \(mask.width)x\(mask.height) but its image is \(image.width)x\(image.height)")
        }
        return try RefinerCase(name: name ?? stem, image: image, mask: mask, setup: setup)
    }

    /// A case from its image and 0/255 mask (read from disk, or augmented).
    init(name: String, image: Raster<UInt8>, mask: Raster<UInt8>, setup: Setup) throws {
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
        self.name = name
        self.input = input
        self.embedding = embedding
        target = Self.maskGridTarget(mask, frame: input.frame)
        truthOnCoarseGrid = mask.resizedNearest(width: setup.coarseSide, height: setup.coarseSide)
        truth = mask
        self.coarse = coarse
        self.image = setup.frozenEncoder ? nil : image
    }

    /// The case under `transform`: image (with its intensity jitter) and mask warped alike,
    /// and everything derived from them made again. Only for a trained encoder (`image` kept).
    func augmented(_ transform: AugmentationTransform, setup: Setup) throws -> RefinerCase {
        guard let image, transform != .identity else { return self }
        let warped = transform.image(image.map { Float($0) / 255 }).map { UInt8(($0 * 255).rounded().clamped(0, 255)) }
        return try RefinerCase(name: name, image: warped, mask: transform.mask(truth), setup: setup)
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

extension Float {
    fileprivate func clamped(_ low: Float, _ high: Float) -> Float { Swift.min(Swift.max(self, low), high) }
}
