import Testing
import Imaging

/// The fixture cases of tools/make_imaging_fixtures.py: up- and down-sampling, odd ratios,
/// the 224 -> 1024-like ratio, exact 2x (PyTorch's nearest shortcut) and 4x.
private let cases = ["7x5_to_13x11", "13x11_to_4x6", "30x42_to_73x102", "73x102_to_30x42",
                     "5x6_to_10x12", "16x16_to_64x64"]

@Test(arguments: cases)
func bilinearResizeMatchesPyTorch(_ name: String) throws {
    let source = try ImagingFixtures.floatRaster("resize_\(name)_input")
    for (alignCorners, suffix) in [(false, "ac0"), (true, "ac1")] {
        let expected = try ImagingFixtures.floatRaster("resize_\(name)_bilinear_\(suffix)")
        let resized = source.resized(width: expected.width, height: expected.height,
                                     mode: .bilinear(alignCorners: alignCorners))
        #expect(resized.channels == source.channels)
        // Values are in [0, 255); 1e-5 relative to that range.
        #expect(maxDifference(resized, expected) <= 255 * 1e-5, "align_corners=\(alignCorners)")
    }
}

@Test(arguments: cases)
func nearestResizeMatchesPyTorch(_ name: String) throws {
    let source = try ImagingFixtures.floatRaster("resize_\(name)_input")
    let expected = try ImagingFixtures.floatRaster("resize_\(name)_nearest")
    let resized = source.resized(width: expected.width, height: expected.height, mode: .nearest)
    #expect(resized == expected)
}

@Test func maskNearestResizeMatchesPyTorchAndKeepsLabels() throws {
    let mask = try ImagingFixtures.byteRaster("mask_nearest_input")
    let expected = try ImagingFixtures.byteRaster("mask_nearest_output")
    let resized = mask.resizedNearest(width: expected.width, height: expected.height)
    #expect(resized == expected)
    #expect(Set(resized.pixels).isSubset(of: [0, 255]))
}

@Test func resizeToTheSameSizeIsIdentity() throws {
    let source = try ImagingFixtures.floatRaster("resize_7x5_to_13x11_input")
    #expect(source.resized(width: source.width, height: source.height, mode: .bilinear(alignCorners: false)) == source)
    #expect(source.resized(width: source.width, height: source.height, mode: .nearest) == source)
}
