import Imaging
import Pixels
import Tensor

/// Prompts in original-image pixels, as a user gives them (the official predictor's frame).
public struct SAMPrompt: Sendable {
    /// A click at (x, y) in original pixels.
    public struct Point: Sendable, Equatable {
        public var x: Double
        public var y: Double
        public var label: PointLabel
        /// A click with its label.
        public init(x: Double, y: Double, label: PointLabel) {
            self.x = x
            self.y = y
            self.label = label
        }
    }

    public var points: [Point]
    /// x1, y1, x2, y2 in original pixels.
    public var box: [Double]?
    /// (1, 4E, 4E) mask logits in the low-resolution model frame (SAM's `mask_input`).
    public var maskInput: Tensor?

    /// Any mix of points, one box and a mask prompt.
    public init(points: [Point] = [], box: [Double]? = nil, maskInput: Tensor? = nil) {
        self.points = points
        self.box = box
        self.maskInput = maskInput
    }
}

/// One prediction: C masks (3 with multimask, else 1) at two resolutions, and their scores.
public struct SAMPrediction: Sendable {
    /// (C, H, W) logits at the original image size.
    public var masks: Tensor
    /// (C, 4E, 4E) decoder logits (feed one back as the next `maskInput`).
    public var lowRes: Tensor
    /// Predicted IoU of each mask.
    public var iou: [Float]
    /// (1, N, 256) sparse prompt embeddings.
    public var sparseEmbeddings: Tensor

    /// The mask SAM would return (``SAMCandidates``).
    public var bestIndex: Int {
        SAMCandidates.best(iou)
    }

    /// The best candidate as a mask at the original size, foreground (255) where its logit is
    /// above 0, the official predictor's `mask_threshold`.
    public var bestMask: Raster<UInt8> {
        let logits = masks[index: bestIndex]
        return Raster(width: logits.shape[1], height: logits.shape[0], pixels: logits.scalars.map { $0 > 0 ? UInt8(255) : 0 })
    }
}

/// The official predictor workflow: encode one image once, then decode any number of prompts
/// against its embedding. Everything runs without recording gradients.
public struct SAMPredictor {
    public let model: SAM
    /// The prepared image (geometry for prompts and masks).
    public let input: SAMInput
    /// (1, 256, E, E) image embedding.
    public let embedding: Tensor
    /// The prompt encoder's dense positional encoding, computed once for all prompts.
    private let imagePE: Tensor

    /// Encodes `image`, or takes its embedding from `cache` when one is stored there.
    public init(model: SAM, image: Raster<UInt8>, preprocessing: SAMPreprocessing, cache: SAMEmbeddingCache? = nil) throws {
        self.model = model
        let input = SAMInput(image: image, preprocessing: preprocessing, config: model.config)
        self.input = input
        if let cache {
            embedding = try cache.embedding(for: image, preprocessing: preprocessing) { noGrad { model.image_encoder(input.tensor) } }
        } else {
            embedding = noGrad { model.image_encoder(input.tensor) }
        }
        imagePE = noGrad { model.prompt_encoder.denseEncoding() }
    }

    /// Uses an embedding computed elsewhere (e.g. a cache shared by a training loop).
    public init(model: SAM, input: SAMInput, embedding: Tensor) {
        self.model = model
        self.input = input
        self.embedding = embedding
        imagePE = noGrad { model.prompt_encoder.denseEncoding() }
    }

    /// The prompts mapped into the model frame, as tensors for the prompt encoder.
    public func promptTensors(_ prompt: SAMPrompt) -> SAMPromptTensors {
        if let mask = prompt.maskInput {
            let side = model.config.lowResSize
            precondition(mask.shape == [1, side, side], "mask input must be 1×\(side)×\(side), got \(mask.shape)")
        }
        return input.promptTensors(prompt)
    }

    /// Masks for one prompt set, `multimask` giving 3 candidates (else the single-mask token).
    public func predict(_ prompt: SAMPrompt, multimask: Bool = true) -> SAMPrediction {
        noGrad {
            let decoded = model.decode(imageEmbedding: embedding, prompts: promptTensors(prompt), multimask: multimask,
                                       imagePE: imagePE)
            let masks = input.postprocess(decoded.lowRes)
            return SAMPrediction(masks: masks.squeezed(0), lowRes: decoded.lowRes.squeezed(0),
                                 iou: decoded.iou.squeezed(0).scalars, sparseEmbeddings: decoded.sparse)
        }
    }
}
