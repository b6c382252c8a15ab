import NN
import SegmentAnything
import Tensor
import TestSupport
import Testing

/// Finite-difference checks of the gradients that training uses: through the prompt encoder
/// and mask decoder (to their parameters, the point coordinates and the mask prompt) and
/// through LoRA adapters in the image encoder. A 64² input keeps every pass small.
@Suite struct SAMGradientTests {
    /// A 4×4-embedding model with 2×2 windows, so windowed and global blocks both run.
    static let config = SAMConfig(encoderEmbedDim: 16, encoderDepth: 2, encoderNumHeads: 2, encoderGlobalAttnIndexes: [1],
                                  windowSize: 2, imageSize: 64)

    /// A model whose every weight is perturbed (zero-initialised tables and embeddings included),
    /// so no gradient is trivially zero.
    static func model(seed: UInt64) -> SAM {
        let sam = SAM(config: config, seed: seed)
        var generator = SeededGenerator(seed: seed &+ 17)
        for (_, p) in sam.namedParameters() {
            p.value = p.value + Tensor.randn(p.shape, std: 0.1, generator: &generator)
        }
        return sam
    }

    /// Compares `parameter`'s analytic gradient with central differences at a few entries.
    ///
    /// The decoder is full of ReLU and LayerNorm kinks and the differences run in float32, so
    /// the error is measured against the largest gradient entry of the parameter (5 %): a wrong
    /// backward pass (a missed term, a transposed product) is off by the gradient's own scale.
    static func checkGradient(_ label: String, of parameter: Parameter, entries: Int = 4, eps: Float = 1e-2,
                              seed: UInt64, loss: () -> Tensor) {
        parameter.zeroGrad()
        loss().backward()
        guard let analytic = parameter.grad?.scalars else {
            Issue.record("\(label): no gradient reached the parameter")
            return
        }
        let scale = Double(analytic.map(abs).max() ?? 0)
        var generator = SeededGenerator(seed: seed)
        let original = parameter.value
        let indices = (0..<entries).map { _ in Int(generator.next() % UInt64(original.count)) }
        let numerics = FiniteDifference.partials(of: { values in
            parameter.value = Tensor(values, shape: parameter.shape)
            return Double(noGrad { loss().item })
        }, at: original.scalars, step: eps, coordinates: indices)
        parameter.value = original
        for (i, numeric) in zip(indices, numerics) {
            #expect(abs(Double(analytic[i]) - numeric) <= 1e-3 + 0.05 * scale,
                    "\(label)[\(i)]: analytic \(analytic[i]), finite difference \(numeric), largest entry \(scale)")
        }
    }

    /// A scalar that depends on every mask logit and IoU prediction with fixed random weights.
    static func weightedSum(_ lowRes: Tensor, _ iou: Tensor, seed: UInt64) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        let w = Tensor.randn(lowRes.shape, generator: &generator), v = Tensor.randn(iou.shape, generator: &generator)
        return (lowRes * w).sum() + (iou * v).sum()
    }

    @Test func promptEncoderAndMaskDecoderGradientsMatchFiniteDifferences() {
        let sam = Self.model(seed: 3)
        var generator = SeededGenerator(seed: 5)
        let embedding = Tensor.randn([1, 256, 4, 4], generator: &generator)
        let side = Self.config.lowResSize
        let points = Parameter(Tensor([10, 20, 40, 31], shape: [1, 2, 2]))
        let mask = Parameter(Tensor.randn([1, 1, side, side], std: 2, generator: &generator))
        let box = Tensor([5, 8, 50, 44], shape: [1, 4])
        let loss = {
            let prompts = SAMPromptTensors(points: points.value, labels: [.foreground, .background], boxes: box, masks: mask.value)
            let out = sam.decode(imageEmbedding: embedding, prompts: prompts, multimask: true)
            return Self.weightedSum(out.lowRes, out.iou, seed: 7)
        }
        // The first mask conv feeds a 4-channel LayerNorm2d, steep where the 4 values nearly
        // agree; its weights get a smaller step.
        Self.checkGradient("mask_downscaling.0.weight", of: (sam.prompt_encoder.mask_downscaling[0] as! Conv2d).weight,
                           eps: 1e-3, seed: 99, loss: loss)
        let checked: [(String, Parameter)] = [
            ("point coordinates", points),
            ("mask prompt", mask),
            ("point_embeddings.1", sam.prompt_encoder.point_embeddings[1].weight),
            ("self_attn.q_proj.weight", sam.mask_decoder.transformer.layers[0].self_attn.q_proj.weight),
            ("cross_attn_image_to_token.v_proj.weight", sam.mask_decoder.transformer.layers[1].cross_attn_image_to_token.v_proj.weight),
            ("mlp.lin1.bias", sam.mask_decoder.transformer.layers[0].mlp.lin1.bias!),
            ("output_upscaling.0.weight", ((sam.mask_decoder.mask_head as! HypernetworkMaskHead).output_upscaling[0] as! ConvTranspose2d).weight),
            ("output_hypernetworks_mlps.1.layers.0.weight", (sam.mask_decoder.mask_head as! HypernetworkMaskHead).output_hypernetworks_mlps[1].layers[0].weight),
            ("iou_prediction_head.layers.2.weight", sam.mask_decoder.iou_prediction_head.layers[2].weight),
            ("mask_tokens", sam.mask_decoder.mask_tokens.weight),
        ]
        for (offset, (label, parameter)) in checked.enumerated() {
            Self.checkGradient(label, of: parameter, seed: UInt64(100 + offset), loss: loss)
        }
    }

    @Test func loRAGradientsThroughTheImageEncoderMatchFiniteDifferences() {
        let sam = Self.model(seed: 11)
        sam.attachLoRA(LoRAConfig(rank: 2, alpha: 4))
        var generator = SeededGenerator(seed: 13)
        for adapter in sam.loraAdapters {
            // B starts at zero; perturb it so A's gradient is not trivially zero.
            adapter.lora_B.value = Tensor.randn(adapter.lora_B.shape, std: 0.1, generator: &generator)
        }
        let image = Tensor.randn([1, 3, 64, 64], generator: &generator)
        let weights = Tensor.randn([1, 256, 4, 4], generator: &generator)
        let loss = { (sam.image_encoder(image) * weights).sum() }
        #expect((sam.image_encoder as! ImageEncoderViT).blocks[0].attn.qkv.weight.requiresGrad == false, "base weights are frozen")
        for (block, adapter) in sam.loraAdapters.enumerated() {
            Self.checkGradient("blocks.\(block).attn.qkv.lora_A", of: adapter.lora_A, seed: UInt64(200 + block), loss: loss)
            Self.checkGradient("blocks.\(block).attn.qkv.lora_B", of: adapter.lora_B, seed: UInt64(300 + block), loss: loss)
        }
    }
}
