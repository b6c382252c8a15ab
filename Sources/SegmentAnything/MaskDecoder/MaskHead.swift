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
        let upscaled = output_upscaling(image)
        let hyperIn = Tensor.stack((0..<count).map { i in output_hypernetworks_mlps[i](maskTokens.slice(axis: 1, i, i + 1).squeezed(1)) },
                                   axis: 1)
        let side = upscaled.shape[2]
        return hyperIn.matmul(upscaled.reshaped([b, upscaled.shape[1], side * side])).reshaped([b, count, side, side])
    }
}
