import NN
import Tensor

/// `mask_decoder.MLP`: Linear layers with ReLU between them (none after the last).
public final class DecoderMLP: Module {
    public let layers: [Linear]

    /// `numLayers` Linear layers `inputDim → hiddenDim … → outputDim`.
    public init(inputDim: Int, hiddenDim: Int, outputDim: Int, numLayers: Int, generator: inout SeededGenerator) {
        let dims = [inputDim] + Array(repeating: hiddenDim, count: numLayers - 1) + [outputDim]
        layers = (0..<numLayers).map { Linear(inFeatures: dims[$0], outFeatures: dims[$0 + 1], generator: &generator) }
    }

    /// Applies the layers over the last axis.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        var y = x
        for (i, layer) in layers.enumerated() {
            y = layer(y)
            if i < layers.count - 1 { y = y.relu() }
        }
        return y
    }
}

/// SAM's `MaskDecoder`, in two parts: the token side (output tokens — IoU + 4 masks — and the
/// prompt tokens run through the two-way transformer with the image; the IoU token predicts
/// each mask's quality) and a replaceable mask head that turns the mask tokens and the image
/// into logits (SAM's hypernetwork head; I-MedSAM's implicit decoder can take its place).
///
/// The head's keys sit at the decoder's level (`mask_decoder.output_upscaling.*`), as in the
/// official checkpoints.
public final class MaskDecoder: Module {
    public let transformer: TwoWayTransformer
    public let iou_token: Embedding
    public let mask_tokens: Embedding
    /// Mask tokens and image → mask logits.
    @Replaceable public var mask_head: any SAMMaskHead
    public let iou_prediction_head: DecoderMLP

    /// The standard decoder: 256-d, 3 multimask outputs, IoU head depth 3, hypernetwork head.
    public init(generator: inout SeededGenerator) {
        let dim = SAMConfig.promptEmbedDim, masks = SAMConfig.multimaskOutputs + 1
        transformer = TwoWayTransformer(generator: &generator)
        iou_token = Embedding(count: 1, dimension: dim, generator: &generator)
        mask_tokens = Embedding(count: masks, dimension: dim, generator: &generator)
        mask_head = HypernetworkMaskHead(dim: dim, masks: masks, generator: &generator)
        iou_prediction_head = DecoderMLP(inputDim: dim, hiddenDim: 256, outputDim: masks, numLayers: 3, generator: &generator)
    }

    /// Mask logits (B, C, 4E, 4E) and IoU predictions (B, C), C = 3 with `multimask`, else 1.
    ///
    /// `imageEmbedding` is (1 or B, 256, E, E); one image is shared by B prompt sets.
    public func callAsFunction(imageEmbedding: Tensor, imagePE: Tensor, sparse: Tensor, dense: Tensor,
                               multimask: Bool) -> (masks: Tensor, iou: Tensor) {
        let b = sparse.shape[0]
        let embedding = imageEmbedding.shape[0] == b ? imageEmbedding : imageEmbedding.expanded(to: [b] + imageEmbedding.shape.dropFirst())
        let source = embedding + dense
        let pe = imagePE.expanded(to: [b] + imagePE.shape.dropFirst())
        let (hs, image) = transformer(image: source, imagePE: pe, tokens: tokens(sparse: sparse))
        let count = SAMConfig.multimaskOutputs + 1
        let masks = mask_head(maskTokens: hs.slice(axis: 1, 1, 1 + count), image: image)
        let iou = iou_prediction_head(hs.slice(axis: 1, 0, 1).squeezed(1))
        let range = multimask ? 1..<count : 0..<1
        return (masks.slice(axis: 1, range.lowerBound, range.upperBound), iou.slice(axis: 1, range.lowerBound, range.upperBound))
    }

    /// The transformer's token sequence (B, 1 + 4 + N, C): the IoU token, the mask tokens, then
    /// the N sparse prompt embeddings.
    public func tokens(sparse: Tensor) -> Tensor {
        let b = sparse.shape[0], dim = sparse.shape[2]
        let outputTokens = Tensor.concatenate([iou_token.weight.value, mask_tokens.weight.value], axis: 0)
        return Tensor.concatenate([outputTokens.unsqueezed(0).expanded(to: [b, outputTokens.shape[0], dim]), sparse], axis: 1)
    }
}
