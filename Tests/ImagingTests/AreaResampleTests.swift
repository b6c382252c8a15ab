import Foundation
import Imaging
import Pixels
import TestSupport
import Testing

/// `AreaResample` must equal OpenCV's `INTER_AREA` exactly on every path it takes: whole-factor
/// and fractional shrinking, and growing (tools/make_area_resize_fixtures.py).
struct AreaResampleTests {
    static let cases = [
        "gray_down_fraction", "rgb_down_fraction", "gray_width_only", "gray_down_by2", "gray_down_by3x2",
        "two_channel_down_by2", "gray_near_integer", "gray_up", "rgb_up", "gray_up_by2", "gray_mixed",
    ]

    func raster(_ name: String) throws -> Raster<UInt8> {
        try ImagingFixtures.interleavedByteRaster(TestPaths.fixtures.appendingPathComponent("area/\(name).npy"))
    }

    @Test(arguments: cases)
    func resizeEqualsOpenCVBitForBit(_ name: String) throws {
        let input = try raster("\(name)_in")
        let expected = try raster("\(name)_out")
        let output = AreaResample.resized(input, width: expected.width, height: expected.height)
        #expect(output.width == expected.width && output.height == expected.height && output.channels == expected.channels)
        let mismatches = zip(output.pixels, expected.pixels).filter { $0 != $1 }.count
        #expect(mismatches == 0, "\(name): \(mismatches) of \(expected.pixels.count) pixels differ")
    }
}
