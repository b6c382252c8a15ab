import Durable
@testable import Formats
import Foundation
import Tensor
import Testing
import TestSupport

/// The zip reader behind `.pth` and `.npz`: every offset, size and count in a hostile archive is
/// checked against the file, so damage anywhere in the directory ends in a `FormatError` naming
/// the file, never a trap, an out-of-bounds read or a huge allocation.
struct ZipArchiveTests {
    let scratch: ScratchFolder

    init() throws {
        scratch = try ScratchFolder("zip-hostile")
    }

    private let members: [(path: String, data: Data)] = [
        ("ckpt/data.pkl", Data("a pickle would be here".utf8)),
        ("ckpt/data/0", Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 31) })),
    ]

    /// An archive of `members` with `patch` applied to its bytes; `eocd` is the offset of the
    /// end-of-central-directory record (ZIPFoundation writes no comment, so it is the last 22 bytes).
    private func archive(compressed: Bool = false, _ patch: (inout Data, _ eocd: Int) -> Void) throws -> URL {
        var bytes = try ZipMember.archive(members, compressed: compressed, name: "test.zip")
        patch(&bytes, bytes.count - 22)
        let url = scratch.file("patched-\(UUID().uuidString).pth")
        try bytes.write(to: url)
        return url
    }

    private func put32(_ value: UInt32, at offset: Int, in data: inout Data) {
        for i in 0..<4 { data[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(i))) }
    }

    private func directoryOffset(_ data: Data, eocd: Int) -> Int {
        (0..<4).reduce(0) { $0 | Int(data[eocd + 16 + $1]) << (8 * $1) }
    }

    @Test(arguments: [false, true])
    func intactArchivesReadBackExactly(_ compressed: Bool) throws {
        let url = try archive(compressed: compressed) { _, _ in }
        let zip = try ZipArchive(url)
        #expect(zip.members.map(\.path) == members.map(\.path))
        for (path, data) in members {
            #expect(try zip.read(try #require(zip[path])) == data)
        }
    }

    @Test func directoryOffsetPastTheEndIsRefused() throws {
        let url = try archive { bytes, eocd in put32(0xFFFF_FF00, at: eocd + 16, in: &bytes) }
        expectFormatError(naming: url, mentioning: "central directory") { try ZipArchive(url) }
    }

    @Test func entryCountBeyondWhatTheDirectoryHoldsIsRefused() throws {
        let url = try archive { bytes, eocd in bytes[eocd + 10] = 0xFF; bytes[eocd + 11] = 0xFF }
        expectFormatError(naming: url, mentioning: "claims 65535 entries") { try ZipArchive(url) }
    }

    @Test func memberOffsetPastTheDirectoryIsRefused() throws {
        let url = try archive { bytes, eocd in
            put32(0xFFFF_FFF0, at: directoryOffset(bytes, eocd: eocd) + 42, in: &bytes)
        }
        expectFormatError(naming: url, mentioning: "lies outside the file") { try ZipArchive(url) }
    }

    @Test func deflatedMemberLongerThanItDeclaresIsRefused() throws {
        let url = try archive(compressed: true) { bytes, eocd in
            let first = directoryOffset(bytes, eocd: eocd)
            let entry = bytes
            let length = { Int(entry[first + $0]) | Int(entry[first + $0 + 1]) << 8 }
            let second = first + 46 + length(28) + length(30) + length(32)
            put32(100, at: second + 24, in: &bytes)  // its uncompressed size
        }
        let zip = try ZipArchive(url)
        expectFormatError(naming: url, mentioning: "member 'ckpt/data/0': inflates to more than the 100 bytes") {
            try zip.read(try #require(zip["ckpt/data/0"]))
        }
    }

    /// Seeded damage to the central directory and end records (the last bytes of the file),
    /// where ZIPFoundation's reader used to trap.
    @Test(arguments: ["checkpoints/plain.pth", "formats/npz_compressed.npz", "formats/npz_stored.npz"])
    func damagedDirectoriesReadOrThrowFormatError(_ fixture: String) throws {
        let bytes = try Data(contentsOf: TestPaths.fixtures.appendingPathComponent(fixture))
        var generator = SeededGenerator(seed: 40 + UInt64(fixture.utf8.count))
        let tail = min(bytes.count, 400)
        for index in 0..<300 {
            var copy = bytes
            for _ in 0...Int.random(in: 0...3, using: &generator) {
                copy[bytes.count - 1 - Int.random(in: 0..<tail, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            let url = scratch.file("mutant-\(index).\(fixture.hasSuffix(".pth") ? "pth" : "npz")")
            try copy.write(to: url)
            do {
                if fixture.hasSuffix(".pth") { _ = try PyTorchCheckpoint.read(url) } else { _ = try NPZ.read(url) }
            } catch let error as FormatError {
                #expect(error.path == url.path)
            } catch {
                Issue.record("mutant \(index) of \(fixture): unexpected error \(error)")
            }
        }
    }
}
