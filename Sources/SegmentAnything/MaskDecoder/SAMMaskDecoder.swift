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

/// SAM's `MaskDecoder`: output tokens (IoU + 4 masks) and prompt tokens run through the
/// two-way transformer; the image side is upscaled 4× and dotted with per-token
/// hypernetwork outputs to give mask logits; the IoU token predicts each mask's quality.
public final class MaskDecoder: Module {
    public let transformer: TwoWayTransformer
    public let iou_token: Embedding
    public let mask_tokens: Embedding
    /// `Sequential(ConvT 2×2 s2, LN2d, GELU, ConvT 2×2 s2, GELU)`: keys `.0`, `.1`, `.3`, the
    /// GELUs holding none.
    public let output_upscaling: Sequential
    public let output_hypernetworks_mlps: [DecoderMLP]
    public let iou_prediction_head: DecoderMLP

    /// The standard decoder: 256-d, 3 multimask outputs, IoU head depth 3.
    public init(generator: inout SeededGenerator) {
        let dim = SAMConfig.promptEmbedDim, masks = SAMConfig.multimaskOutputs + 1
        transformer = TwoWayTransformer(generator: &generator)
        iou_token = Embedding(count: 1, dimension: dim, generator: &generator)
        mask_tokens = Embedding(count: masks, dimension: dim, generator: &generator)
        output_upscaling = Sequential([
            ConvTranspose2d(inChannels: dim, outChannels: dim / 4, kernelSize: 2, stride: 2, generator: &generator),
            LayerNorm2d(dim / 4),
            GELU(),
            ConvTranspose2d(inChannels: dim / 4, outChannels: dim / 8, kernelSize: 2, stride: 2, generator: &generator),
            GELU(),
        ])
        output_hypernetworks_mlps = (0..<masks).map { _ in
            DecoderMLP(inputDim: dim, hiddenDim: dim, outputDim: dim / 8, numLayers: 3, generator: &generator)
        }
        iou_prediction_head = DecoderMLP(inputDim: dim, hiddenDim: 256, outputDim: masks, numLayers: 3, generator: &generator)
    }

    /// Mask logits (B, C, 4E, 4E) and IoU predictions (B, C), C = 3 with `multimask`, else 1.
    ///
    /// `imageEmbedding` is (1 or B, 256, E, E); one image is shared by B prompt sets.
    public func callAsFunction(imageEmbedding: Tensor, imagePE: Tensor, sparse: Tensor, dense: Tensor,
                               multimask: Bool) -> (masks: Tensor, iou: Tensor) {
        let b = sparse.shape[0], dim = sparse.shape[2]
        let outputTokens = Tensor.concatenate([iou_token.weight.value, mask_tokens.weight.value], axis: 0)
        let tokens = Tensor.concatenate([outputTokens.unsqueezed(0).expanded(to: [b, outputTokens.shape[0], dim]), sparse],
                                        axis: 1)
        let embedding = imageEmbedding.shape[0] == b ? imageEmbedding : imageEmbedding.expanded(to: [b] + imageEmbedding.shape.dropFirst())
        let source = embedding + dense
        let pe = imagePE.expanded(to: [b] + imagePE.shape.dropFirst())
        let (hs, image) = transformer(image: source, imagePE: pe, tokens: tokens)
        let count = SAMConfig.multimaskOutputs + 1
        let e = imageEmbedding.shape[2]
        let grid = image.permuted(0, 2, 1).reshaped([b, dim, e, e])
        let upscaled = output_upscaling(grid)
        let hyperIn = Tensor.stack((0..<count).map { i in output_hypernetworks_mlps[i](hs.slice(axis: 1, 1 + i, 2 + i).squeezed(1)) },
                                   axis: 1)
        let side = upscaled.shape[2]
        let masks = hyperIn.matmul(upscaled.reshaped([b, upscaled.shape[1], side * side])).reshaped([b, count, side, side])
        let iou = iou_prediction_head(hs.slice(axis: 1, 0, 1).squeezed(1))
        let range = multimask ? 1..<count : 0..<1
        return (masks.slice(axis: 1, range.lowerBound, range.upperBound), iou.slice(axis: 1, range.lowerBound, range.upperBound))
    }
}
