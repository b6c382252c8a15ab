import Foundation
import Formats
import TestSupport
import Testing

/// `.npz` archives: numpy's stored and deflated archives (with numpy's zip64 local headers)
/// read as numpy sees them; ours read back; broken archives name the archive and the member.
struct NPZTests {
    private let scratch: ScratchFolder

    init() throws {
        scratch = try ScratchFolder("npz")
    }

    @Test(arguments: ["npz_stored.npz", "npz_compressed.npz"])
    func numpyArchiveReadsAsNumpySeesIt(_ name: String) throws {
        let expected = try #require(try NPYManifest.load().npz[name])
        let arrays = try NPZ.read(FixtureFiles.url(name))
        #expect(Set(arrays.keys) == Set(expected.keys))
        for (key, expectation) in expected {
            let array = try #require(arrays[key])
            #expect(NPYManifest.mismatches(array, expectation) == [], "\(name): \(key)")
        }
    }

    @Test func keysComeInArchiveOrderWithoutTheSuffix() throws {
        #expect(try NPZ.keys(FixtureFiles.url("npz_compressed.npz"))
            == ["image", "label", "count", "flags", "nothing", "wide"])
    }

    @Test func selectedKeysReadOnlyThoseMembers() throws {
        let url = FixtureFiles.url("npz_bad_member.npz")  // the broken member is never touched
        let arrays = try NPZ.read(url, keys: ["fine"])
        #expect(Array(arrays.keys) == ["fine"])
        #expect(try arrays["fine"]?.int64s() == [0, 1, 2])
    }

    @Test func missingKeyIsNamedWithTheKeysPresent() throws {
        let url = FixtureFiles.url("npz_stored.npz")
        expectFormatError(naming: url, mentioning: "no array 'weights'") { try NPZ.read(url, keys: ["weights"]) }
    }

    @Test func brokenMemberNamesArchiveAndMember() throws {
        let url = FixtureFiles.url("npz_bad_member.npz")
        expectFormatError(naming: url, mentioning: "member 'broken.npy': truncated") { try NPZ.read(url) }
    }

    @Test(arguments: [false, true])
    func writtenArchiveReadsBack(_ compressed: Bool) throws {
        let arrays: [String: NPYArray] = [
            "logits": NPYArray(float32: (0..<64).map { Float($0) / 8 }, shape: [1, 1, 8, 8]),
            "mask": NPYArray(uint8: [UInt8](repeating: 255, count: 100), shape: [10, 10]),
            "step": NPYArray(int64: [12], shape: []),
            "valid": NPYArray(bool: [true, false]),
        ]
        let url = scratch.file("out.npz")
        try NPZ.write(arrays, to: url, compressed: compressed)
        #expect(try NPZ.read(url) == arrays)
        #expect(try NPZ.keys(url) == ["logits", "mask", "step", "valid"])
    }

    @Test func compressionShrinksRepetitiveArrays() throws {
        let arrays = ["zeros": NPYArray(float32: [Float](repeating: 0, count: 4096))]
        let stored = try NPZ.encode(arrays)
        let deflated = try NPZ.encode(arrays, compressed: true)
        #expect(stored.count > 16384)
        #expect(deflated.count < stored.count / 10)
    }

    @Test func writeLeavesNoTemporaryFiles() throws {
        try NPZ.write(["a": NPYArray(float32: [1])], to: scratch.file("a.npz"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.url.path) == ["a.npz"])
    }
}

/// Broken `.npz` files made at test time from numpy's archives.
struct NPZCorruptInputTests {
    private let scratch: ScratchFolder

    init() throws {
        scratch = try ScratchFolder("npz-corrupt")
    }

    private func write(_ bytes: Data, as name: String) throws -> URL {
        let url = scratch.file(name)
        try bytes.write(to: url)
        return url
    }

    @Test(arguments: [4, 100, 700, -30, -1])
    func truncatedArchiveNamesTheFile(_ cut: Int) throws {
        let bytes = try FixtureFiles.bytes("npz_compressed.npz")
        let length = cut > 0 ? cut : bytes.count + cut
        let url = try write(bytes.prefix(length), as: "cut-\(length).npz")
        expectFormatError(naming: url) { try NPZ.read(url) }
    }

    @Test func flippedDataByteIsACRCMismatchNamingTheMember() throws {
        var bytes = try FixtureFiles.bytes("npz_stored.npz")
        // First local header: 30 fixed bytes, the name, the extra field, then image.npy stored.
        let nameLength = Int(bytes[26]) | Int(bytes[27]) << 8
        let extraLength = Int(bytes[28]) | Int(bytes[29]) << 8
        bytes[30 + nameLength + extraLength + 150] ^= 0x40  // inside the float data
        let url = try write(bytes, as: "flipped.npz")
        expectFormatError(naming: url, mentioning: "member 'image.npy': CRC-32 mismatch") { try NPZ.read(url) }
    }

    @Test func zeroByteFileIsReportedEmpty() throws {
        let url = try write(Data(), as: "empty.npz")
        expectFormatError(naming: url, mentioning: "empty") { try NPZ.read(url) }
    }

    @Test func npyFileNamedNPZIsNotAnArchive() throws {
        let url = try write(FixtureFiles.bytes("np_save_f4_3x4.npy"), as: "array.npz")
        expectFormatError(naming: url, mentioning: "not a readable ZIP archive") { try NPZ.read(url) }
    }

    @Test func missingFileNamesThePath() throws {
        let url = scratch.file("absent.npz")
        expectFormatError(naming: url, mentioning: "No such file") { try NPZ.read(url) }
    }
}
