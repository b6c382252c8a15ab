import Foundation
import Formats
import TestSupport
import Testing

/// Reading numpy-written `.npy` files: every dtype, shape, header version, memory order and
/// byte order numpy produces, against the values numpy recorded.
struct NPYReadTests {
    @Test(arguments: try NPYManifest.load().npy.keys.sorted())
    func numpyWrittenFileReadsAsNumpySeesIt(_ name: String) throws {
        let expected = try #require(try NPYManifest.load().npy[name])
        let array = try NPY.read(FixtureFiles.url(name))
        #expect(NPYManifest.mismatches(array, expected) == [], "\(name)")
    }

    @Test func fortranAndBigEndianFilesBecomeLittleEndianCOrder() throws {
        // (arange(6) - 2.5) as 2x3 written column-major big-endian: row-major values in order.
        let array = try NPY.read(FixtureFiles.url("npy_bigendian_fortran_f8.npy"))
        #expect(array.shape == [2, 3])
        #expect(array.doubles() == [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5])
    }

    @Test(arguments: [
        ("npy_unsupported_object.npy", "'|O'"),
        ("npy_unsupported_unicode.npy", "'<U3'"),
        ("npy_unsupported_structured.npy", "structured"),
        ("npy_unsupported_complex.npy", "'<c8'"),
    ])
    func unsupportedDtypeIsNamed(_ name: String, _ dtype: String) throws {
        let url = FixtureFiles.url(name)
        expectFormatError(naming: url, mentioning: dtype) { try NPY.read(url) }
    }

    @Test func headerSpellingsNumpyAcceptsAreParsed() throws {
        // Double quotes, any key order, no trailing comma, Python 2 long integers.
        let header = #"{"shape": (2L, 1L), "fortran_order": False, "descr": "<i2"}"# + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count), 0])
        data.append(contentsOf: Array(header.utf8) + [0xFE, 0xFF, 0x03, 0x00])
        let array = try NPY.decode(data, name: "old.npy")
        #expect(array.shape == [2, 1])
        #expect(try array.int64s() == [-2, 3])
    }

    @Test func integerConversionsRefuseLoss() throws {
        let floats = NPYArray(float32: [1.5], shape: [1])
        #expect(throws: NPYConversionError.self) { try floats.int64s() }
        #expect(throws: NPYConversionError.self) { try floats.uint8s() }
        let int16 = try NPY.read(FixtureFiles.url("npy_int16.npy"))  // holds negative values
        #expect(throws: NPYConversionError.self) { try int16.uint8s() }
        let small = try NPY.read(FixtureFiles.url("npy_uint16.npy"))
        #expect(throws: NPYConversionError.self) { try small.uint8s() }  // holds 65535
        let vector = try NPY.read(FixtureFiles.url("npy_vector_1d.npy"))
        #expect(try vector.int64s() == [-2, -1, 0, 1, 2])
        #expect(try NPYArray(int64: [0, 7, 255]).uint8s() == [0, 7, 255])
    }

    @Test func boolArraysConvertToZeroAndOne() throws {
        let array = NPYArray(bool: [true, false, true])
        #expect(array.floats() == [1, 0, 1])
        #expect(try array.uint8s() == [1, 0, 1])
        #expect(array.count == 3)
    }
}
