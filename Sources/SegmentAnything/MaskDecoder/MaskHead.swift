import NN
import Tensor

/// The replaceable end of SAM's mask decoder: the two-way transformer's mask-token outputs
/// and image tokens in, one mask's logits per token out. SAM's own head is
/// `HypernetworkMaskHead`; a head that predicts masks another way (an implicit decoder)
/// conforms to this and is put at `mask_decoder.mask_head`.
public protocol SAMMaskHead: KeysAtParentLevel {
    /// `maskTokens` (B, T, C) and the transformed image (B, C, E, E) → (B, T, 4E, 4E) logits.
    func callAsFunction(maskTokens: Tensor, image: Tensor) -> Tensor
}

/// SAM's head: the image is upscaled 4× (two transposed convolutions) and dotted with a
/// per-token hypernetwork MLP's output, giving one mask per token.
public final class HypernetworkMaskHead: SAMMaskHead {
    /// `Sequential(ConvT 2×2 s2, LN2d, GELU, ConvT 2×2 s2, GELU)`: keys `.0`, `.1`, `.3`, the
    /// GELUs holding none.
    public let output_upscaling: Sequential
    /// One MLP per mask token, `dim → dim → dim → dim/8`.
    public let output_hypernetworks_mlps: [DecoderMLP]

    /// SAM's head for `masks` tokens of width `dim`.
    public init(dim: Int, masks: Int, generator: inout SeededGenerator) {
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
    }

    public func callAsFunction(maskTokens: Tensor, image: Tensor) -> Tensor {
        let b = image.shape[0], count = maskTokens.shape[1]
        let hyperIn = Tensor.stack((0..<count).map { i in output_hypernetworks_mlps[i](maskTokens.slice(axis: 1, i, i + 1).squeezed(1)) },
                                   axis: 1)
        if let upscaling = TiledUpscaling(output_upscaling) {
            return upscaling.masks(hyperIn: hyperIn, image: image)
        }
        let upscaled = output_upscaling(image)
        let side = upscaled.shape[2]
        return hyperIn.matmul(upscaled.reshaped([b, upscaled.shape[1], side * side])).reshaped([b, count, side, side])
    }
}

/// SAM's upscaling (`ConvT, LN2d, GELU, ConvT, GELU`) and the hypernetwork product computed
/// with the pixels in tap order, interleaved into the image grid only at the end (at
/// inference all of it fused, span by span of pixels: `Tensor.tiledUpscalingMasks`).
///
/// A transposed convolution whose kernel equals its stride gives every input pixel its own
/// tile of the output: it is one product (the weight's kH·kW taps against each pixel's
/// channels) followed by a shuffle of the results into place. Everything after it up to the
/// masks (the LayerNorm over channels, GELU, the second convolution, the hypernetwork dot
/// products) treats each pixel alone, so the pixels may stay in the product's order, tap by
/// tap, and only the masks are shuffled: 4 masks of 256² instead of 64 + 32 channels of
/// 128² and 256². The same function, every step differentiable.
struct TiledUpscaling {
    let first: ConvTranspose2d, norm: LayerNorm2d, firstGELU: GELU, second: ConvTranspose2d, secondGELU: GELU

    /// The parts of `upscaling` when it has SAM's structure with tiling convolutions, else nil.
    init?(_ upscaling: Sequential) {
        guard upscaling.count == 5, let first = upscaling[0] as? ConvTranspose2d, let norm = upscaling[1] as? LayerNorm2d,
              let firstGELU = upscaling[2] as? GELU, let second = upscaling[3] as? ConvTranspose2d,
              let secondGELU = upscaling[4] as? GELU, Self.tiles(first), Self.tiles(second) else { return nil }
        (self.first, self.norm, self.firstGELU, self.second, self.secondGELU) = (first, norm, firstGELU, second, secondGELU)
    }

    /// Whether every input pixel writes its own tile of the layer's output.
    static func tiles(_ conv: ConvTranspose2d) -> Bool {
        conv.stride == Size2D(conv.weight.shape[2], conv.weight.shape[3]) && conv.padding == 0 && conv.outputPadding == 0
            && conv.groups == 1
    }

    /// `conv` on (B, Cin, P) pixels in any order: (B, Cout, kH·kW·P), block `ki·kW + kj` of each
    /// channel holding tap (ki, kj) of every pixel, in the input's order.
    static func tapProducts(_ conv: ConvTranspose2d, _ x: Tensor) -> Tensor {
        let weight = conv.weight.value, (inChannels, outChannels) = (weight.shape[0], weight.shape[1])
        let taps = weight.shape[2] * weight.shape[3]
        let tapWeights = weight.reshaped([inChannels, outChannels * taps]).transposed(0, 1)
        let product = if let bias = conv.bias?.value {
            tapWeights.matmul(x, adding: bias.reshaped([outChannels, 1]).expanded(to: [outChannels, taps]).reshaped([-1, 1]))
        } else {
            tapWeights.matmul(x)
        }
        return product.reshaped([x.shape[0], outChannels, taps * x.shape[2]])
    }

    /// Mask logits (B, T, H·kH₁·kH₂, W·kW₁·kW₂) for hypernetwork outputs (B, T, C/8) and the
    /// transformed image (B, C, H, W).
    func masks(hyperIn: Tensor, image: Tensor) -> Tensor {
        let parameters = [first.weight, norm.weight, norm.bias, second.weight] + [first.bias, second.bias].compactMap { $0 }
        let recording = GradMode.isEnabled && (image.requiresGrad || hyperIn.requiresGrad || parameters.contains(where: \.requiresGrad))
        if !recording, firstGELU.approximation == .none, secondGELU.approximation == .none,
           let firstBias = first.bias?.value, let secondBias = second.bias?.value {
            // Inference: the same steps fused, a span of pixels at a time (`tiledUpscalingMasks`).
            return image.tiledUpscalingMasks(hyperIn: hyperIn, first: (first.weight.value, firstBias),
                                             norm: (norm.weight.value, norm.bias.value, norm.eps),
                                             second: (second.weight.value, secondBias))
        }
        let (b, h, w) = (image.shape[0], image.shape[2], image.shape[3])
        let x = image.reshaped([b, image.shape[1], h * w])
        let normalized = Self.tapProducts(first, x)
            .channelLayerNorm(weight: norm.weight.value, bias: norm.bias.value, eps: norm.eps)
            .gelu(approximate: firstGELU.approximation)
        let upscaled = Self.tapProducts(second, normalized).gelu(approximate: secondGELU.approximation)
        return Self.interleaved(hyperIn.matmul(upscaled), height: h, width: w,
                                first: (first.weight.shape[2], first.weight.shape[3]),
                                second: (second.weight.shape[2], second.weight.shape[3]))
    }

    /// Tap-ordered masks (B, T, kH₂·kW₂·kH₁·kW₁·H·W) on their image grid: tap (ki₂, kj₂) of
    /// tap (ki₁, kj₁) of pixel (i, j) lands at row (i·kH₁ + ki₁)·kH₂ + ki₂, column likewise.
    static func interleaved(_ phased: Tensor, height h: Int, width w: Int,
                            first: (h: Int, w: Int), second: (h: Int, w: Int)) -> Tensor {
        let (b, t) = (phased.shape[0], phased.shape[1])
        return phased.reshaped([b * t, second.h, second.w, first.h, first.w, h, w])
            .permuted(0, 5, 3, 1, 6, 4, 2).reshaped([b, t, h * first.h * second.h, w * first.w * second.w])
    }
}
