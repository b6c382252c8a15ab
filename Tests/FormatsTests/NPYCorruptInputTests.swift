import Foundation
import Formats
import TestSupport
import Testing

/// Broken `.npy` files made at test time from a valid numpy file: each gives a `FormatError`
/// naming the file and the problem.
struct NPYCorruptInputTests {
    private let scratch: ScratchFolder

    init() throws {
        scratch = try ScratchFolder("npy-corrupt")
    }

    /// `np.save` of a float32 3x4 array: 128-byte header, then 48 data bytes.
    static let valid = "np_save_f4_3x4.npy"

    private func write(_ bytes: Data, as name: String) throws -> URL {
        let url = scratch.file(name)
        try bytes.write(to: url)
        return url
    }

    private func edited(_ replace: String, with replacement: String) throws -> Data {
        let bytes = try FixtureFiles.bytes(Self.valid)
        // The header text runs from byte 10 to 128; the preamble before it is binary.
        let text = String(decoding: bytes[10..<128], as: UTF8.self)
        let header = text.replacingOccurrences(of: replace, with: replacement)
        return bytes.prefix(10) + Data(header.utf8) + bytes.dropFirst(128)
    }

    @Test(arguments: [3, 9, 11, 60, 127, 128, 150, 175])
    func truncatedFileSaysTruncated(_ length: Int) throws {
        let url = try write(FixtureFiles.bytes(Self.valid).prefix(length), as: "cut-\(length).npy")
        expectFormatError(naming: url, mentioning: length < 6 ? "not an NPY" : "truncated") { try NPY.read(url) }
    }

    @Test func zeroByteFileIsReportedEmpty() throws {
        let url = try write(Data(), as: "empty.npy")
        expectFormatError(naming: url, mentioning: "empty") { try NPY.read(url) }
    }

    @Test func badMagicIsNotAnNPYFile() throws {
        var bytes = try FixtureFiles.bytes(Self.valid)
        bytes[1] = UInt8(ascii: "X")
        let url = try write(bytes, as: "magic.npy")
        expectFormatError(naming: url, mentioning: "not an NPY file") { try NPY.read(url) }
    }

    @Test func unknownVersionIsNamed() throws {
        var bytes = try FixtureFiles.bytes(Self.valid)
        bytes[6] = 9
        let url = try write(bytes, as: "version.npy")
        expectFormatError(naming: url, mentioning: "version 9.0") { try NPY.read(url) }
    }

    @Test(arguments: [
        ("'shape': (3, 4), }", "'shape': (3, 4), ]"),  // unbalanced
        ("'fortran_order': False", "'fortran_order': Fals "),  // not a literal
        ("'shape': (3, 4)", "'shape': [3, 4]"),  // not a tuple
        ("'descr'", "'dtype'"),  // missing key
        ("(3, 4)", "(3,-4)"),  // negative dimension
    ])
    func malformedHeaderIsReported(_ original: String, _ broken: String) throws {
        let url = try write(edited(original, with: broken), as: "header.npy")
        expectFormatError(naming: url, mentioning: "header") { try NPY.read(url) }
    }

    @Test func shapeLargerThanTheDataIsTruncation() throws {
        let url = try write(edited("(3, 4)", with: "(3, 5)"), as: "short.npy")
        expectFormatError(naming: url, mentioning: "needs 60 data bytes, 48 remain") { try NPY.read(url) }
    }

    @Test func shapeSmallerThanTheDataIsReported() throws {
        let url = try write(edited("(3, 4)", with: "(3, 3)"), as: "long.npy")
        expectFormatError(naming: url, mentioning: "12 more follow") { try NPY.read(url) }
    }

    @Test func missingFileNamesThePath() throws {
        let url = scratch.file("absent.npy")
        expectFormatError(naming: url, mentioning: "No such file") { try NPY.read(url) }
    }
}
