import Imaging
import Pixels
import Tensor
import Testing

/// A (1, C, H, W) tensor of a raster's planes, as `SAMInput` hands images to the normalisation.
private func tensor(_ raster: Raster<Float>) -> Tensor {
    Tensor(raster.pixels, shape: [1, raster.channels, raster.height, raster.width])
}

@Test func samNormalizationMatchesSegmentAnythingsPixelMeanAndStd() throws {
    let image = try ImagingFixtures.floatRaster("normalize_input")
    let expected = try ImagingFixtures.floatRaster("normalize_sam")
    let ours = PixelNormalization.sam.apply(tensor(image)).scalars
    #expect(zip(ours, expected.pixels).allSatisfy { abs($0 - $1) <= 1e-5 })
}

@Test func minMaxNormalizationMatchesMedSAM() throws {
    let image = try ImagingFixtures.floatRaster("normalize_input")
    let expected = try ImagingFixtures.floatRaster("normalize_minmax")
    let normalized = PixelNormalization.minMax.apply(tensor(image)).scalars
    #expect(zip(normalized, expected.pixels).allSatisfy { abs($0 - $1) <= 1e-6 })
    #expect(normalized.min() == 0 && normalized.max() == 1)
}

@Test func minMaxOfAConstantImageIsZeroNotNaN() {
    let flat = Raster<Float>(width: 2, height: 2, channels: 3, repeating: 77)
    #expect(PixelNormalization.minMax.apply(tensor(flat)).scalars.allSatisfy { $0 == 0 })
}
