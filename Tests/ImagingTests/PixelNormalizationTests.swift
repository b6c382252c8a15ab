import Imaging
import Pixels
import Testing

@Test func samNormalizationMatchesSegmentAnythingsPixelMeanAndStd() throws {
    let image = try ImagingFixtures.floatRaster("normalize_input")
    let expected = try ImagingFixtures.floatRaster("normalize_sam")
    #expect(maxDifference(PixelNormalization.sam.apply(image), expected) <= 1e-5)
}

@Test func minMaxNormalizationMatchesMedSAM() throws {
    let image = try ImagingFixtures.floatRaster("normalize_input")
    let expected = try ImagingFixtures.floatRaster("normalize_minmax")
    let normalized = PixelNormalization.minMax.apply(image)
    #expect(maxDifference(normalized, expected) <= 1e-6)
    #expect(normalized.pixels.min() == 0 && normalized.pixels.max() == 1)
}

@Test func minMaxOfAConstantImageIsZeroNotNaN() {
    let flat = Raster<Float>(width: 2, height: 2, channels: 3, repeating: 77)
    #expect(PixelNormalization.minMax.apply(flat).pixels.allSatisfy { $0 == 0 })
}
