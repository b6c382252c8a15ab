import Formats
import Foundation
@testable import Imaging
import Pixels
import TestSupport
import Testing

/// `PillowResample` must equal Pillow's BILINEAR resize exactly (tools/make_pillow_fixtures.py).
struct PillowResampleTests {
    func raster(_ name: String) throws -> Raster<UInt8> {
        try ImagingFixtures.interleavedByteRaster(TestPaths.fixtures.appendingPathComponent("pillow/\(name).npy"))
    }

    @Test(arguments: ["gray_up", "gray_down", "gray_mixed", "gray_width_only", "rgb_down", "gray_tall_down"])
    func resizeEqualsPillowBitForBit(_ name: String) throws {
        let input = try raster("\(name)_in")
        let expected = try raster("\(name)_out")
        let output = PillowResample.bilinear(input, width: expected.width, height: expected.height)
        let mismatches = zip(output.pixels, expected.pixels).filter { $0 != $1 }.count
        #expect(output.width == expected.width && output.height == expected.height)
        #expect(mismatches == 0, "\(mismatches) of \(expected.pixels.count) pixels differ")
    }

    @Test func longestSideTargetUsesOfficialRounding() {
        let transform = ResizeLongestSide(longSide: 1024)
        #expect(transform.targetSize(height: 300, width: 420) == (731, 1024))
        #expect(transform.targetSize(height: 1024, width: 1024) == (1024, 1024))
        #expect(transform.targetSize(height: 471, width: 562) == (858, 1024))  // 471*1024/562 = 858.19
    }

    @Test(.enabled(if: TestPaths.hasSharedFixtures, "needs ../shared/fixtures"))
    func officialPredictorResizeIsReproducedExactly() throws {
        let image = try PNG.readGray(TestPaths.sharedFixtures.appendingPathComponent("sam_tiny/image.png"))
        let reference = try NPY.read(TestPaths.sharedFixtures.appendingPathComponent("sam_tiny/resized_input.npy"))
        #expect(reference.shape == [731, 1024, 3])
        let expected = try reference.uint8s()
        let size = ResizeLongestSide().targetSize(height: image.height, width: image.width)
        let resized = PillowResample.bilinear(image, width: size.width, height: size.height)
        #expect(resized.height == 731 && resized.width == 1024)
        // The predictor stacks gray to RGB, so every channel of the reference equals the gray resize.
        var mismatches = 0
        for i in 0..<(731 * 1024) where resized.pixels[i] != expected[i * 3] || expected[i * 3 + 2] != expected[i * 3] {
            mismatches += 1
        }
        #expect(mismatches == 0)
    }
}
