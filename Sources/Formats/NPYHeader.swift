import Durable
import Foundation

/// The dictionary at the start of an `.npy` file, e.g.
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`.
struct NPYHeader {
    var dtype: NPYDType
    var bigEndian: Bool
    var fortranOrder: Bool
    var shape: [Int]

    /// Reads the header dictionary; `name` identifies the file in errors.
    static func parse(_ text: String, name: String) throws -> NPYHeader {
        let shown = text.trimmingCharacters(in: .whitespacesAndNewlines)
        func malformed(_ why: String) -> FormatError {
            FormatError(name, "malformed NPY header (\(why)): \(shown.prefix(200))")
        }
        let literal: PythonLiteral
        do {
            literal = try PythonLiteral.parse(text)
        } catch let error as PythonLiteral.SyntaxError {
            throw malformed("expected \(error.expected) at character \(error.offset)")
        }
        guard case .dict(let pairs) = literal else { throw malformed("not a dictionary") }
        var fields: [String: PythonLiteral] = [:]
        for pair in pairs {
            guard case .string(let key) = pair.key else { throw malformed("a key is not a string") }
            fields[key] = pair.value
        }

        guard let descrValue = fields["descr"] else { throw malformed("no 'descr'") }
        guard case .string(let descr) = descrValue else {
            throw FormatError(name, "unsupported dtype: structured arrays (record fields) are not supported")
        }
        let parsed: (NPYDType, bigEndian: Bool)
        switch NPYDType.parse(descr) {
        case .success(let value): parsed = value
        case .failure(.unsupported(let what)):
            throw FormatError(name, "unsupported dtype '\(descr)' (\(what)); only numbers and bools are read")
        case .failure(.malformed):
            throw FormatError(name, "unsupported dtype '\(descr)'")
        }

        guard case .boolean(let fortranOrder) = fields["fortran_order"] else {
            throw malformed("'fortran_order' is missing or not True/False")
        }
        guard case .tuple(let dimensions) = fields["shape"] else {
            throw malformed("'shape' is missing or not a tuple")
        }
        let shape = try dimensions.map { dimension -> Int in
            guard case .integer(let size) = dimension, size >= 0 else { throw malformed("bad dimension in 'shape'") }
            return size
        }
        return NPYHeader(dtype: parsed.0, bigEndian: parsed.bigEndian, fortranOrder: fortranOrder, shape: shape)
    }

    /// The header as numpy writes it: keys sorted, spare spaces after the dictionary so the
    /// first dimension can grow in place, padded so the data starts on a 64-byte boundary.
    static func encoded(dtype: NPYDType, shape: [Int]) -> Data {
        var text = "{'descr': '\(dtype.descr)', 'fortran_order': False, 'shape': \(pythonShape(shape)), }"
        if let first = shape.first {
            text += String(repeating: " ", count: max(0, growthDigits - String(first).count))
        }
        let textLength = text.utf8.count + 1  // the final newline
        // Version 1.0 counts the header in 16 bits; larger headers need version 2.0.
        let version1 = padded(textLength, prefix: magic.count + 2 + 2) <= Int(UInt16.max)
        let prefixLength = magic.count + 2 + (version1 ? 2 : 4)
        let headerLength = padded(textLength, prefix: prefixLength)
        var data = Data(magic)
        data.append(contentsOf: version1 ? [1, 0] : [2, 0])
        if version1 {
            withUnsafeBytes(of: UInt16(headerLength).littleEndian) { data.append(contentsOf: $0) }
        } else {
            withUnsafeBytes(of: UInt32(headerLength).littleEndian) { data.append(contentsOf: $0) }
        }
        data.append(contentsOf: Array(text.utf8))
        data.append(contentsOf: [UInt8](repeating: 0x20, count: headerLength - textLength))
        data.append(0x0A)
        return data
    }

    /// `\x93NUMPY`.
    static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)
    /// numpy's `ARRAY_ALIGN`.
    private static let alignment = 64
    /// numpy's `GROWTH_AXIS_MAX_DIGITS`.
    private static let growthDigits = 21

    /// Header length including padding, numpy's rule: always at least one pad byte.
    private static func padded(_ textLength: Int, prefix: Int) -> Int {
        textLength + alignment - (prefix + textLength) % alignment
    }

    /// A shape in Python tuple syntax: `()`, `(5,)`, `(3, 4)`.
    static func pythonShape(_ shape: [Int]) -> String {
        shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }
}
