import Foundation
import Formats
import TestSupport
import Testing

/// Real BUSI images (some stored as RGB, some as gray) and their masks.
@Suite(.enabled(if: TestPaths.hasBUSI, "needs ../shared/data/busi"))
struct PNGBUSITests {
    private func firstFiles(_ category: String, masks: Bool, count: Int = 4) throws -> [URL] {
        let folder = TestPaths.busi.appendingPathComponent(category)
        return try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasSuffix(".png") && $0.contains("_mask") == masks }
            .sorted().prefix(count).map { folder.appendingPathComponent($0) }
    }

    @Test(arguments: ["benign", "malignant", "normal"])
    func ultrasoundImagesReadAsPlausibleGray(_ category: String) throws {
        for url in try firstFiles(category, masks: false) {
            let info = try PNG.info(url)
            let gray = try PNG.readGray(url)
            #expect(gray.channels == 1)
            #expect(gray.width == info.width && gray.height == info.height)
            // BUSI frames are a few hundred pixels a side, with dark background and bright tissue.
            #expect((200...2000).contains(gray.width) && (200...2000).contains(gray.height), "\(url.lastPathComponent)")
            #expect(gray.pixels.min()! < 40 && gray.pixels.max()! > 150, "\(url.lastPathComponent)")
        }
    }

    @Test func colourStoredImagesGrayEqualsPILFormulaOfTheirRGB() throws {
        let urls = try firstFiles("benign", masks: false, count: 12)
        let colour = try urls.filter { try PNG.info($0).channels >= 3 }
        try #require(!colour.isEmpty, "expected some BUSI images stored as RGB")
        for url in colour.prefix(2) {
            let rgb = try PNG.readRGB(url)
            let gray = try PNG.readGray(url)
            let size = rgb.planeSize
            for index in stride(from: 0, to: size, by: 97) {
                let (r, g, b) = (UInt32(rgb.pixels[index]), UInt32(rgb.pixels[size + index]), UInt32(rgb.pixels[2 * size + index]))
                #expect(UInt32(gray.pixels[index]) == (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16)
            }
        }
    }

    @Test func masksMatchTheirImagesAndAreBinary() throws {
        for maskURL in try firstFiles("malignant", masks: true) {
            let imageName = maskURL.lastPathComponent.replacingOccurrences(of: #"_mask(_\d+)?"#, with: "", options: .regularExpression)
            let image = try PNG.info(maskURL.deletingLastPathComponent().appendingPathComponent(imageName))
            let mask = try PNG.readGray(maskURL)
            #expect(mask.width == image.width && mask.height == image.height)
            #expect(Set(mask.pixels).isSubset(of: [0, 255]), "\(maskURL.lastPathComponent)")
        }
    }
}
