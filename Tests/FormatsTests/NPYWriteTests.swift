import Foundation
import Formats
import TestSupport
import Testing

/// Our `.npy` writer: byte-identical to `np.save`, readable back, atomic.
struct NPYWriteTests {
    private let scratch: ScratchFolder

    init() throws {
        scratch = try ScratchFolder("npy-write")
    }

    @Test(arguments: [
        ("np_save_f4_3x4.npy", NPYArray(float32: (0..<12).map { Float($0) * 0.5 }, shape: [3, 4])),
        ("np_save_bool_5.npy", NPYArray(bool: [true, false, false, true, true])),
        ("np_save_u1_2x3x4.npy", NPYArray(uint8: Array(0..<24), shape: [2, 3, 4])),
        ("np_save_i8_0d.npy", NPYArray(int64: [-7], shape: [])),
        ("np_save_f8_0x2.npy", NPYArray(float64: [], shape: [0, 2])),
    ])
    func encodingIsByteIdenticalToNumpySave(_ name: String, _ array: NPYArray) throws {
        #expect(NPY.encode(array) == (try FixtureFiles.bytes(name)))
    }

    @Test(arguments: try NPYManifest.load().npy.keys.sorted())
    func everyFixtureRoundTrips(_ name: String) throws {
        let array = try NPY.read(FixtureFiles.url(name))
        let url = scratch.file(name)
        try NPY.write(array, to: url)
        #expect(try NPY.read(url) == array)
    }

    @Test(arguments: [[], [1], [7, 3], [100_000, 2, 2], [1, 2, 3, 4, 5, 6]])
    func dataStartsOnA64ByteBoundary(_ shape: [Int]) throws {
        let array = NPYArray(uint8: [UInt8](repeating: 1, count: shape.reduce(1, *)), shape: shape)
        let encoded = NPY.encode(array)
        #expect((encoded.count - array.count) % 64 == 0)
        #expect(encoded[encoded.count - array.count - 1] == 0x0A)  // the header ends in a newline
    }

    @Test func headerTooLongForVersion1IsWrittenAsVersion2() throws {
        // 30000 unit dimensions make a ~90 kB header, beyond version 1.0's 16-bit length.
        let array = NPYArray(float32: [2.5], shape: [Int](repeating: 1, count: 30_000))
        let encoded = NPY.encode(array)
        #expect(encoded[6] == 2 && encoded[7] == 0)
        #expect(encoded.count % 64 == 4)  // 64-byte aligned header, then one float
        #expect(try NPY.decode(encoded, name: "long-header.npy") == array)
        #expect(NPY.encode(NPYArray(float32: [2.5]))[6] == 1)
    }

    @Test func writeLeavesNoTemporaryFiles() throws {
        try NPY.write(NPYArray(float32: [1, 2, 3]), to: scratch.file("p.npy"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.url.path) == ["p.npy"])
    }

    @Test func writingIntoAMissingFolderNamesThePath() throws {
        let url = scratch.file("gone/p.npy")
        expectFormatError(naming: url) { try NPY.write(NPYArray(float32: [1]), to: url) }
    }
}
