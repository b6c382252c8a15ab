import Durable
import Foundation

/// numpy's `.npy` format (versions 1.0, 2.0 and 3.0): read into little-endian C-order
/// `NPYArray`s whatever byte order and memory order the file used; written as numpy writes it.
public enum NPY {
    /// Reads an `.npy` file.
    public static func read(_ url: URL) throws -> NPYArray {
        try decode(FileBytes.read(url), name: url.path)
    }

    /// Writes `array` as an `.npy` file atomically.
    public static func write(_ array: NPYArray, to url: URL) throws {
        try AtomicFile.write(encode(array), to: url)
    }

    /// The `.npy` bytes of `array`, byte-identical to `numpy.save` of the same array.
    public static func encode(_ array: NPYArray) -> Data {
        var data = NPYHeader.encoded(dtype: array.dtype, shape: array.shape)
        data.append(array.data)
        return data
    }

    /// Parses `.npy` bytes; `name` identifies them in errors (a path, or `archive.npz:member`).
    public static func decode(_ bytes: Data, name: String) throws -> NPYArray {
        let data = bytes.startIndex == 0 ? bytes : Data(bytes)  // index from zero below
        guard !data.isEmpty else { throw FormatError(name, "empty file (0 bytes), not an NPY array") }
        guard data.starts(with: NPYHeader.magic) else {
            throw FormatError(name, "not an NPY file (it does not start with \\x93NUMPY)")
        }
        guard data.count >= 10 else { throw FormatError(name, "truncated NPY file: it ends inside the preamble") }
        let major = data[6], minor = data[7]
        guard (1...3).contains(major), minor == 0 else {
            throw FormatError(name, "unsupported NPY format version \(major).\(minor)")
        }
        let lengthSize = major == 1 ? 2 : 4
        guard data.count >= 8 + lengthSize else {
            throw FormatError(name, "truncated NPY file: it ends inside the preamble")
        }
        let headerLength = (0..<lengthSize).reduce(0) { $0 | Int(data[8 + $1]) << (8 * $1) }
        let headerStart = 8 + lengthSize
        guard data.count >= headerStart + headerLength else {
            throw FormatError(name, "truncated NPY file: the header needs \(headerLength) bytes, \(data.count - headerStart) remain")
        }
        let headerBytes = data.subdata(in: headerStart..<headerStart + headerLength)
        // Versions 1 and 2 are latin-1 by definition; version 3 was added for UTF-8.
        guard let text = String(data: headerBytes, encoding: major == 3 ? .utf8 : .isoLatin1) else {
            throw FormatError(name, "malformed NPY header: not valid \(major == 3 ? "UTF-8" : "latin-1") text")
        }
        let header = try NPYHeader.parse(text, name: name)

        let payloadStart = headerStart + headerLength
        let itemSize = header.dtype.itemSize
        var count = 1
        for dimension in header.shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            guard !overflow, product <= Int.max / itemSize else {
                throw FormatError(name, "shape \(NPYHeader.pythonShape(header.shape)) is too large")
            }
            count = product
        }
        let needed = count * itemSize
        let available = data.count - payloadStart
        let described = "shape \(NPYHeader.pythonShape(header.shape)) of \(header.dtype) needs \(needed) data bytes"
        guard available >= needed else {
            throw FormatError(name, "truncated NPY file: \(described), \(available) remain")
        }
        guard available == needed else {
            throw FormatError(name, "\(described), but \(available - needed) more follow: not a single NPY array")
        }
        var payload = data.subdata(in: payloadStart..<data.count)
        if header.bigEndian { swapBytes(&payload, itemSize: itemSize) }
        if header.fortranOrder { payload = cOrder(fromFortran: payload, shape: header.shape, itemSize: itemSize) }
        return NPYArray(shape: header.shape, dtype: header.dtype, data: payload)
    }

    /// Reverses the bytes of every element (big-endian to little-endian).
    private static func swapBytes(_ data: inout Data, itemSize: Int) {
        data.withUnsafeMutableBytes { raw in
            for start in stride(from: 0, to: raw.count, by: itemSize) {
                raw[start..<start + itemSize].reverse()
            }
        }
    }

    /// Reorders column-major elements to row-major: walk the C-order index, last axis fastest,
    /// and fetch each element from its Fortran-order position.
    private static func cOrder(fromFortran source: Data, shape: [Int], itemSize: Int) -> Data {
        guard shape.count > 1, !source.isEmpty else { return source }
        var fortranStrides = [Int](repeating: itemSize, count: shape.count)
        for axis in 1..<shape.count { fortranStrides[axis] = fortranStrides[axis - 1] * shape[axis - 1] }
        var result = Data(count: source.count)
        source.withUnsafeBytes { input in
            result.withUnsafeMutableBytes { output in
                var index = [Int](repeating: 0, count: shape.count)
                var offset = 0  // Fortran byte offset of `index`
                for destination in stride(from: 0, to: output.count, by: itemSize) {
                    output.baseAddress!.advanced(by: destination)
                        .copyMemory(from: input.baseAddress!.advanced(by: offset), byteCount: itemSize)
                    var axis = shape.count - 1
                    while axis >= 0 {
                        index[axis] += 1
                        offset += fortranStrides[axis]
                        if index[axis] < shape[axis] { break }
                        offset -= fortranStrides[axis] * shape[axis]
                        index[axis] = 0
                        axis -= 1
                    }
                }
            }
        }
        return result
    }
}
