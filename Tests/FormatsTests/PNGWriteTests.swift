import Formats
import Foundation
import Imaging
import Pixels
import TestSupport
import Testing

/// Our PNG writer: what it writes reads back unchanged, its header says what was written, and
/// the file appears atomically.
struct PNGWriteTests {
    private let scratch: ScratchFolder

    init() throws {
        scratch = try ScratchFolder("png-write")
    }

    /// A raster whose samples run through every 8-bit value, different per channel.
    private func pattern8(channels: Int) -> Raster<UInt8> {
        let (width, height) = (17, 9)
        let pixels = (0..<width * height * channels).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ $0 / 7) }
        return Raster(width: width, height: height, channels: channels, pixels: pixels)
    }

    /// 16-bit samples whose two bytes differ, so a byte-order slip cannot go unnoticed.
    private func pattern16(channels: Int) -> Raster<UInt16> {
        let (width, height) = (11, 6)
        let pixels = (0..<width * height * channels).map { UInt16(truncatingIfNeeded: $0 &* 4099 &+ 0x0102) }
        return Raster(width: width, height: height, channels: channels, pixels: pixels)
    }

    @Test(arguments: 1...4)
    func eightBitImagesRoundTrip(_ channels: Int) throws {
        let url = scratch.file("image.png")
        let image = pattern8(channels: channels)
        try PNG.write(image, to: url)
        #expect(try PNG.read(url) == image)
    }

    @Test(arguments: 1...4)
    func sixteenBitImagesRoundTrip(_ channels: Int) throws {
        let url = scratch.file("image.png")
        let image = pattern16(channels: channels)
        try PNG.write(image, to: url)
        #expect(try PNG.read16(url) == image)
    }

    @Test(arguments: [(1, PNGColorType.gray), (2, .grayAlpha), (3, .rgb), (4, .rgba)])
    func writtenHeaderDeclaresSizeDepthAndColourType(_ channels: Int, _ colorType: PNGColorType) throws {
        let data = try PNG.encode(pattern16(channels: channels))
        // IHDR is the first chunk: length, "IHDR", width, height (big-endian), depth, colour type.
        let bytes = [UInt8](data)
        #expect(bytes[0..<8] == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        #expect(String(decoding: bytes[12..<16], as: UTF8.self) == "IHDR")
        #expect(bytes[16..<20] == [0, 0, 0, 11])
        #expect(bytes[20..<24] == [0, 0, 0, 6])
        #expect(bytes[24] == 16)
        #expect(Int(bytes[25]) == colorType.rawValue)
        #expect(String(decoding: bytes[bytes.count - 8..<bytes.count - 4], as: UTF8.self) == "IEND")
    }

    @Test func encodeThenDecodeInMemory() throws {
        let image = pattern8(channels: 3)
        #expect(try PNG.decode(PNG.encode(image), name: "memory") == image)
    }

    @Test func writeLeavesNoTemporaryFilesAndReplacesTheOldFile() throws {
        let url = scratch.file("mask.png")
        try PNG.write(pattern8(channels: 1), to: url)
        let replacement = pattern8(channels: 3)
        try PNG.write(replacement, to: url)
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.url.path) == ["mask.png"])
        #expect(try PNG.read(url) == replacement)
    }

    @Test func writingIntoAMissingFolderNamesThePath() throws {
        let url = scratch.file("no-such-folder/mask.png")
        expectFormatError(naming: url, mentioning: "No such file") { try PNG.write(pattern8(channels: 1), to: url) }
    }

    @Test func fiveChannelsAreRefused() throws {
        let url = scratch.file("five.png")
        let image = Raster<UInt8>(width: 2, height: 2, channels: 5, repeating: 0)
        expectFormatError(naming: url, mentioning: "1 to 4 channels") { try PNG.write(image, to: url) }
        #expect(!FileManager.default.fileExists(atPath: url.path))
    }

    @Test func emptyImageIsRefused() throws {
        let url = scratch.file("empty.png")
        let image = Raster<UInt8>(width: 0, height: 3, channels: 1, pixels: [])
        expectFormatError(naming: url, mentioning: "0x3") { try PNG.write(image, to: url) }
    }
}
