import NN
@testable import Refiners
@testable import SegmentAnything
import Tensor

/// Tiny I-MedSAM setups shared by the I-MedSAM suites.
enum IMedSAMTestModels {
    /// A 64² ViT SAM with a 16-wide, two-block encoder (a 4×4 embedding).
    static func tinyViTSAM(seed: UInt64 = 1) -> SAM {
        SAM(config: SAMConfig(encoderEmbedDim: 16, encoderDepth: 2, encoderNumHeads: 2, encoderGlobalAttnIndexes: [1],
                              windowSize: 2, imageSize: 64), seed: seed)
    }

    /// A 32² TinyViT SAM (LiteMedSAM's layout, narrow): two attention stages, an 8×8 embedding.
    static func tinyTinyViTSAM(seed: UInt64 = 1) -> SAM {
        let encoder = TinyViTConfig(embedDims: [8, 16, 24], depths: [1, 1, 1], numHeads: [2, 3], windowSizes: [4, 4],
                                    mergeStrides: [2, 2])
        return SAM(config: SAMConfig(encoder: .tinyViT(encoder), imageSize: 32), seed: seed)
    }

    /// A small decoder config: `width` hidden units, L = 3, dropout 0.2, T = 8, K = 25 %, box
    /// coordinates at 2 frequencies.
    static func decoderConfig(width: Int = 8, dropout: Float = 0.2) -> ImplicitDecoderConfig {
        ImplicitDecoderConfig(hiddenWidth: width, fourierFrequencies: 3, dropout: dropout, monteCarloPasses: 8,
                              uncertainFraction: 0.25, boxFrequencies: 2)
    }

    /// A dark disc on a brighter, slightly noisy background at `side`², normalised roughly to
    /// zero mean, with its mask at the pixel centres and the disc's bounding box in pixels.
    static func disc(side: Int, seed: UInt64) -> (image: Tensor, mask: [Float], box: Tensor) {
        var g = SeededGenerator(seed: seed)
        let cx = Float(g.uniform(0.35, 0.65)), cy = Float(g.uniform(0.35, 0.65)), r = Float(g.uniform(0.15, 0.3))
        var pixels: [Float] = [], mask: [Float] = []
        for i in 0..<(side * side) {
            let x = (Float(i % side) + 0.5) / Float(side), y = (Float(i / side) + 0.5) / Float(side)
            let inside = (x - cx) * (x - cx) + (y - cy) * (y - cy) < r * r
            mask.append(inside ? 1 : 0)
            pixels.append((inside ? -1 : 1) + 0.2 * Float(g.uniform(-1, 1)))
        }
        let image = Tensor(pixels + pixels + pixels, shape: [1, 3, side, side])
        let s = Float(side)
        let box = Tensor([(cx - r) * s, (cy - r) * s, (cx + r) * s, (cy + r) * s], shape: [1, 4])
        return (image, mask, box)
    }
}
