import Foundation
import Formats
import NN
import Tensor

/// Segment Anything: image encoder, prompt encoder and mask decoder, with the official
/// state-dict layout (`image_encoder.*`, `prompt_encoder.*`, `mask_decoder.*`). The image
/// encoder is whichever family the config names (`SAMImageEncoder`), as segment-anything's
/// `Sam` takes its encoder as an argument.
public final class SAM: Module {
    public let image_encoder: any SAMImageEncoder
    public let prompt_encoder: PromptEncoder
    public let mask_decoder: MaskDecoder
    /// The model's shape.
    public let config: SAMConfig

    /// A randomly initialised model (PyTorch default init, seeded); load weights to use it.
    public init(config: SAMConfig, seed: UInt64 = 0) {
        var generator = SeededGenerator(seed: seed)
        self.config = config
        image_encoder = config.makeEncoder(generator: &generator)
        prompt_encoder = PromptEncoder(config: config, generator: &generator)
        mask_decoder = MaskDecoder(generator: &generator)
    }

    /// Low-resolution mask logits (B, C, 4E, 4E) and IoU predictions (B, C) for prompts on
    /// an image embedding (1 or B, 256, E, E). `imagePE` is `prompt_encoder.denseEncoding()`, which
    /// callers decoding many prompts compute once (it is a fixed function of a buffer).
    public func decode(imageEmbedding: Tensor, prompts: SAMPromptTensors, multimask: Bool, imagePE: Tensor? = nil)
        -> (lowRes: Tensor, iou: Tensor, sparse: Tensor) {
        let (sparse, dense) = prompt_encoder(prompts)
        let (masks, iou) = mask_decoder(imageEmbedding: imageEmbedding, imagePE: imagePE ?? prompt_encoder.denseEncoding(),
                                        sparse: sparse, dense: dense, multimask: multimask)
        return (masks, iou, sparse)
    }
}
