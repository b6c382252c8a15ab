import Imaging
import Pixels
import SegmentAnything
import Tensor
import TransUNetModel

/// Masks at an image's original size from the phases' outputs, the way the inference chain
/// makes them.
enum ValidationMasks {
    /// The coarse probability (on its square grid, which covers the whole image) at the
    /// original size, thresholded as the chain does it.
    static func coarse(_ probability: Tensor, size: Size2D) -> Raster<UInt8> {
        let side = probability.shape.last!
        return TransUNetPredictor.mask(probability.reshaped([side, side]), width: size.w, height: size.h)
    }

    /// The chosen candidate's low-res logits (1, 1, M, M) postprocessed as inference does and
    /// thresholded at 0 (probability 0.5).
    static func refined(_ logits: Tensor, input: SAMInput) -> Raster<UInt8> {
        let full = input.postprocess(logits)
        return Raster(width: input.originalSize.w, height: input.originalSize.h,
                      pixels: full.scalars.map { $0 > 0 ? 255 : 0 })
    }
}
