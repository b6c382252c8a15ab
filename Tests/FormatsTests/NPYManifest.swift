import Foundation
import Formats

/// `npy_manifest.json`: what numpy says each NPY fixture and NPZ member holds.
struct NPYManifest: Decodable {
    /// One array as numpy sees it: values as float64 and the little-endian C-order bytes.
    struct Expectation: Decodable {
        let dtype: String
        let shape: [Int]
        let values: [Double]
        let hex: String

        var bytes: Data {
            let digits = Array(hex.utf8)
            return Data(stride(from: 0, to: digits.count, by: 2).map {
                UInt8(String(decoding: digits[$0..<$0 + 2], as: UTF8.self), radix: 16)!
            })
        }
    }

    let npy: [String: Expectation]
    let npz: [String: [String: Expectation]]

    static func load() throws -> NPYManifest {
        try JSONDecoder().decode(NPYManifest.self, from: FixtureFiles.bytes("npy_manifest.json"))
    }

    /// Checks `array` against the expectation: dtype, shape, raw bytes and converted values.
    static func mismatches(_ array: NPYArray, _ expected: Expectation) -> [String] {
        var problems: [String] = []
        if array.dtype.rawValue != expected.dtype { problems.append("dtype \(array.dtype) != \(expected.dtype)") }
        if array.shape != expected.shape { problems.append("shape \(array.shape) != \(expected.shape)") }
        if array.data != expected.bytes { problems.append("bytes differ") }
        if array.doubles() != expected.values { problems.append("doubles() differ") }
        if array.floats() != expected.values.map(Float.init) { problems.append("floats() differ") }
        return problems
    }
}
