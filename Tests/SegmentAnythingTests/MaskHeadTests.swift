import NN
@testable import SegmentAnything
import Tensor
import Testing

/// SAM's hypernetwork head computes the upscaling with the pixels in tap order and interleaves
/// only the masks (fused, span by span, at inference); it must be the layers' own function,
/// with the same gradients.
struct MaskHeadTests {
    /// A 32-d head for 3 masks, every weight, bias and LayerNorm parameter random.
    static func head(seed: UInt64) -> HypernetworkMaskHead {
        var generator = SeededGenerator(seed: seed)
        let head = HypernetworkMaskHead(dim: 32, masks: 3, generator: &generator)
        for (_, p) in head.namedParameters() { p.value = Tensor.randn(p.shape, std: 0.4, generator: &generator) }
        return head
    }

    /// The head's definition: the upscaling layers in order on the grid, then the dot products.
    static func reference(_ head: HypernetworkMaskHead, hyperIn: Tensor, image: Tensor) -> Tensor {
        let upscaled = head.output_upscaling(image)
        let (b, c, h, w) = (upscaled.shape[0], upscaled.shape[1], upscaled.shape[2], upscaled.shape[3])
        return hyperIn.matmul(upscaled.reshaped([b, c, h * w])).reshaped([b, hyperIn.shape[1], h, w])
    }

    /// At inference the head runs fused (`tiledUpscalingMasks`), a span of 128 pixels at a
    /// time: one partial span (5 × 7) and a full one with a partial one (13 × 11 = 143).
    @Test(arguments: [(5, 7), (13, 11)])
    func fusedUpscalingGivesTheLayersMasks(height: Int, width: Int) throws {
        let head = Self.head(seed: 5)
        let upscaling = try #require(TiledUpscaling(head.output_upscaling))
        var generator = SeededGenerator(seed: 6)
        // A non-square grid, so rows and columns cannot be swapped unnoticed.
        let image = Tensor.randn([2, 32, height, width], generator: &generator)
        let hyperIn = Tensor.randn([2, 3, 4], generator: &generator)
        let reference = noGrad { Self.reference(head, hyperIn: hyperIn, image: image) }
        let masks = noGrad { upscaling.masks(hyperIn: hyperIn, image: image) }
        #expect(masks.shape == [2, 3, 4 * height, 4 * width])
        let scale = reference.scalars.map(abs).max() ?? 1
        #expect(zip(masks.scalars, reference.scalars).allSatisfy { abs($0 - $1) <= 1e-5 * max(1, scale) })
    }

    @Test func tapOrderedUpscalingHasTheLayersGradients() throws {
        let head = Self.head(seed: 7)
        let upscaling = try #require(TiledUpscaling(head.output_upscaling))
        var generator = SeededGenerator(seed: 8)
        let inputs = [Parameter(Tensor.randn([1, 32, 3, 4], generator: &generator)),
                      Parameter(Tensor.randn([1, 3, 4], generator: &generator))]
        let weights = Tensor.randn([1, 3, 12, 16], generator: &generator)
        let parameters = inputs + head.output_upscaling.namedParameters().map(\.1)
        func gradients(_ run: (Tensor, Tensor) -> Tensor) -> [[Float]] {
            for p in parameters { p.zeroGrad() }
            (run(inputs[1].value, inputs[0].value) * weights).sum().backward()
            return parameters.map { $0.grad?.scalars ?? [] }
        }
        let reference = gradients { Self.reference(head, hyperIn: $0, image: $1) }
        let tapOrdered = gradients { upscaling.masks(hyperIn: $0, image: $1) }
        for (i, (a, b)) in zip(tapOrdered, reference).enumerated() {
            #expect(!b.isEmpty && a.count == b.count, "gradient \(i) missing")
            let scale = b.map(abs).max() ?? 1
            #expect(zip(a, b).allSatisfy { abs($0 - $1) <= 1e-4 * max(1, scale) }, "gradient \(i) differs")
        }
    }

    /// Upscaling layers that do not tile (here a padded convolution) keep the layered path.
    @Test func onlySAMsTilingStructureIsRecognised() {
        var generator = SeededGenerator(seed: 9)
        #expect(TiledUpscaling(Self.head(seed: 10).output_upscaling) != nil)
        let padded = Sequential([
            ConvTranspose2d(inChannels: 8, outChannels: 4, kernelSize: 2, stride: 2, padding: 1, generator: &generator),
            LayerNorm2d(4), GELU(),
            ConvTranspose2d(inChannels: 4, outChannels: 2, kernelSize: 2, stride: 2, generator: &generator), GELU(),
        ])
        #expect(TiledUpscaling(padded) == nil)
    }
}
