import Formats
import Foundation
import Imaging
import Pixels
import Tensor
import TestSupport
import Testing

/// Broken and hostile PNG files, made at test time from valid bytes: every one must give a
/// `FormatError` naming the file, never a crash.
struct PNGCorruptInputTests {
    private let scratch: ScratchFolder

    init() throws {
        scratch = try ScratchFolder("png-corrupt")
    }

    /// A valid 8-bit RGB fixture whose chunks sit at known offsets: signature 0..<8, IHDR 8..<33
    /// (its CRC at 29..<33), then IDAT chunks, IEND in the last 12 bytes.
    static let valid = "rgb8.png"

    private func write(_ bytes: Data, as name: String) throws -> URL {
        let url = scratch.file(name)
        try bytes.write(to: url)
        return url
    }

    @Test(arguments: [1, 8, 20, 33, 45, -30, -12, -1])
    func truncatedPNGNamesTheFile(_ cut: Int) throws {
        let bytes = try FixtureFiles.bytes(Self.valid)
        let length = cut > 0 ? cut : bytes.count + cut
        let url = try write(bytes.prefix(length), as: "truncated-at-\(length).png")
        expectFormatError(naming: url) { try PNG.read(url) }
    }

    @Test func truncatedImageDataSaysTruncated() throws {
        let bytes = try FixtureFiles.bytes(Self.valid)
        let url = try write(bytes.prefix(bytes.count - 30), as: "cut.png")
        expectFormatError(naming: url, mentioning: "truncated") { try PNG.read(url) }
    }

    @Test(arguments: [29, 32, -13])  // IHDR CRC bytes; the last byte of the final IDAT's CRC
    func flippedCRCByteIsReported(_ offset: Int) throws {
        var bytes = try FixtureFiles.bytes(Self.valid)
        let index = offset >= 0 ? offset : bytes.count + offset
        bytes[index] ^= 0x01
        let url = try write(bytes, as: "bad-crc.png")
        expectFormatError(naming: url, mentioning: "CRC") { try PNG.read(url) }
    }

    @Test func ancillaryChunkWithBadCRCIsSkippedQuietly() throws {
        // libpng treats a damaged optional chunk as a warning (silenced by the shim) and drops it.
        let bytes = try FixtureFiles.bytes(Self.valid)
        let text = Array("Comment\u{0}damaged".utf8)
        let chunk = [0, 0, 0, UInt8(text.count)] + Array("tEXt".utf8) + text + [0xDE, 0xAD, 0xBE, 0xEF]
        let url = try write(bytes.prefix(33) + Data(chunk) + bytes.dropFirst(33), as: "bad-text.png")
        var image: Raster<UInt8>?
        let printed = try capturingStandardError { image = try PNG.read(url) }
        #expect(image == (try PNG.read(FixtureFiles.url(Self.valid))))
        #expect(!printed.contains("libpng"), "libpng printed: \(printed)")
    }

    /// Runs `body` with file descriptor 2 pointed at a temporary file and returns what was written.
    private func capturingStandardError(_ body: () throws -> Void) throws -> String {
        let url = scratch.file("stderr.txt")
        let capture = open(url.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let saved = dup(2)
        try #require(capture >= 0 && saved >= 0)
        dup2(capture, 2)
        defer {
            dup2(saved, 2)
            close(saved)
            close(capture)
        }
        try body()
        return try String(contentsOf: url, encoding: .utf8)
    }

    @Test func zeroByteFileIsReportedEmpty() throws {
        let url = try write(Data(), as: "empty.png")
        expectFormatError(naming: url, mentioning: "empty") { try PNG.read(url) }
        expectFormatError(naming: url, mentioning: "empty") { try PNG.info(url) }
    }

    @Test func textFileNamedPNGIsNotAPNG() throws {
        let url = try write(Data("this is not an image\n".utf8), as: "notes.png")
        expectFormatError(naming: url, mentioning: "looks like text") { try PNG.read(url) }
    }

    @Test func jpegNamedPNGIsRecognised() throws {
        let jpegStart = Data([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46, 0x00, 0x01])
        let url = try write(jpegStart, as: "photo.png")
        expectFormatError(naming: url, mentioning: "JPEG") { try PNG.read(url) }
    }

    @Test(arguments: 0..<8)
    func randomBytesAreRejected(_ seed: UInt64) throws {
        var generator = SeededGenerator(seed: seed)
        let noise = Data((0..<300).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let url = try write(noise, as: "noise-\(seed).png")
        expectFormatError(naming: url) { try PNG.read(url) }
    }

    @Test(arguments: 0..<8)
    func randomBytesAfterAValidSignatureReachLibpngAndAreRejected(_ seed: UInt64) throws {
        var generator = SeededGenerator(seed: seed)
        let signature = try FixtureFiles.bytes(Self.valid).prefix(8)
        let noise = Data((0..<300).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let url = try write(signature + noise, as: "signed-noise-\(seed).png")
        expectFormatError(naming: url, mentioning: "cannot decode PNG") { try PNG.read(url) }
    }

    @Test func missingFileNamesThePath() throws {
        let url = scratch.file("absent.png")
        expectFormatError(naming: url, mentioning: "No such file") { try PNG.read(url) }
        expectFormatError(naming: url, mentioning: "No such file") { try PNG.info(url) }
    }

    @Test func folderIsNotAFile() throws {
        let url = scratch.file("folder.png")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
        expectFormatError(naming: url, mentioning: "folder") { try PNG.read(url) }
    }

    @Test func bombHeaderIsReadButItsPixelsAreRefused() throws {
        let url = FixtureFiles.url("bomb_20000x20000.png")
        let info = try PNG.info(url)
        #expect(info.width == 20000 && info.height == 20000)
        expectFormatError(naming: url, mentioning: "20000x20000 = 400000000 pixels exceeds the limit of \(PNG.defaultMaxPixels)") {
            try PNG.read(url)
        }
        expectFormatError(naming: url, mentioning: "exceeds the limit") { try PNG.read16(url) }
    }

    @Test func fileFarLargerThanAnyImageOfThePixelLimitIsRefusedUnread() throws {
        // Sparse: 17 MB long without using the disk; the limit of 1 pixel allows 16 MB + 8 bytes.
        let url = scratch.file("huge.png")
        try FixtureFiles.bytes(Self.valid).write(to: url)
        let handle = try FileHandle(forWritingTo: url)
        try handle.truncate(atOffset: 17 << 20)
        try handle.close()
        expectFormatError(naming: url, mentioning: "file is \(17 << 20) bytes, too large for an image of at most 1 pixels") {
            try PNG.read(url, maxPixels: 1)
        }
        expectFormatError(naming: url, mentioning: "too large") { try PNG.read16(url, maxPixels: 1) }
    }

    @Test func callerPixelLimitIsApplied() throws {
        let url = FixtureFiles.url(Self.valid)
        let info = try PNG.info(url)
        let limit = info.width * info.height - 1
        expectFormatError(naming: url, mentioning: "\(info.width)x\(info.height) = \(limit + 1) pixels exceeds the limit of \(limit)") {
            try PNG.read(url, maxPixels: limit)
        }
        #expect(try PNG.read(url, maxPixels: limit + 1).width == info.width)
    }
}
