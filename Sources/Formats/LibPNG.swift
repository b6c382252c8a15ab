import CPNG
import Durable
import Foundation

/// The Swift side of the CPNG shim: turns shim status codes and libpng's messages into
/// `FormatError`s naming the file. Everything here works on bytes already in memory.
enum LibPNG {
    private static let messageCapacity = 256
    private static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Result of parsing the header of possibly only the first part of a file.
    enum HeaderOutcome {
        case parsed(PNGInfo)
        /// The bytes ended before the first IDAT chunk.
        case needsMoreData
    }

    /// Checks the signature first, so that a JPEG or a text file named `.png` gets a plain
    /// answer instead of libpng's terse one.
    static func checkSignature(_ data: Data, name: String) throws {
        guard !data.isEmpty else { throw FormatError(name, "empty file (0 bytes), not a PNG") }
        guard data.count >= signature.count, data.prefix(signature.count).elementsEqual(signature) else {
            throw FormatError(name, "not a PNG file (no PNG signature\(guessKind(data)))")
        }
    }

    private static func guessKind(_ data: Data) -> String {
        let head = Array(data.prefix(512))
        if head.starts(with: [0xFF, 0xD8, 0xFF]) { return "; it looks like a JPEG" }
        if head.starts(with: Array("GIF8".utf8)) { return "; it looks like a GIF" }
        if head.starts(with: Array("BM".utf8)) { return "; it looks like a BMP" }
        if head.allSatisfy({ $0 == 9 || $0 == 10 || $0 == 13 || (32..<127).contains($0) }) {
            return "; it looks like text"
        }
        return ""
    }

    static func header(_ data: Data, name: String) throws -> HeaderOutcome {
        try checkSignature(data, name: name)
        var raw = ur_png_header()
        var message = [CChar](repeating: 0, count: messageCapacity)
        let status = data.withUnsafeBytes { bytes in
            ur_png_read_header(bytes.bindMemory(to: UInt8.self).baseAddress, bytes.count, &raw,
                               &message, messageCapacity)
        }
        switch status {
        case UR_PNG_OK: return .parsed(try info(raw, name: name))
        case UR_PNG_TRUNCATED: return .needsMoreData
        default: throw failure(message, name: name)
        }
    }

    /// Decodes into interleaved samples (8- or 16-bit by `Sample`) with the layout `info` promises.
    static func decode<Sample: FixedWidthInteger>(_ data: Data, info: PNGInfo, maxPixels: Int,
                                                  name: String, as _: Sample.Type) throws -> [Sample] {
        // Only a caller-chosen limit near Int.max could make this overflow; refuse rather than trap.
        let (byteCount, overflow) = info.pixelCount.multipliedReportingOverflow(by: info.channels * MemoryLayout<Sample>.size)
        guard !overflow else { throw FormatError(name, "\(info.width)x\(info.height) is too large to decode") }
        let count = byteCount / MemoryLayout<Sample>.size
        var message = [CChar](repeating: 0, count: messageCapacity)
        var status = UR_PNG_ERROR
        let samples = [Sample](unsafeUninitializedCapacity: count) { buffer, initialized in
            status = data.withUnsafeBytes { bytes in
                ur_png_decode(bytes.bindMemory(to: UInt8.self).baseAddress, bytes.count,
                              Sample.bitWidth == 16 ? 1 : 0, UInt64(maxPixels), Int32(info.channels),
                              buffer.baseAddress, byteCount,
                              &message, messageCapacity)
            }
            // On failure the contents are partial; they are discarded below, never read.
            initialized = status == UR_PNG_OK ? count : 0
        }
        guard status == UR_PNG_OK else { throw failure(message, name: name) }
        return samples
    }

    /// Encodes interleaved samples; `Sample` decides 8 or 16 bits.
    static func encode<Sample: FixedWidthInteger>(_ samples: [Sample], width: Int, height: Int,
                                                  channels: Int, name: String) throws -> Data {
        var message = [CChar](repeating: 0, count: messageCapacity)
        var output: UnsafeMutablePointer<UInt8>?
        var outputSize = 0
        let status = samples.withUnsafeBytes { bytes in
            ur_png_encode(bytes.baseAddress, UInt32(width), UInt32(height), Int32(channels),
                          Int32(Sample.bitWidth), &output, &outputSize, &message, messageCapacity)
        }
        guard status == UR_PNG_OK, let output else { throw failure(message, name: name, verb: "encode") }
        defer { ur_png_free(output) }
        return Data(bytes: output, count: outputSize)
    }

    private static func info(_ raw: ur_png_header, name: String) throws -> PNGInfo {
        guard let colorType = PNGColorType(rawValue: Int(raw.color_type)) else {
            throw FormatError(name, "unknown PNG colour type \(raw.color_type)")
        }
        let transparency = raw.has_transparency != 0
        let channels: Int
        switch colorType {
        case .gray: channels = transparency ? 2 : 1
        case .grayAlpha: channels = 2
        case .rgb, .palette: channels = transparency ? 4 : 3
        case .rgba: channels = 4
        }
        return PNGInfo(width: Int(raw.width), height: Int(raw.height), bitDepth: Int(raw.bit_depth),
                       colorType: colorType, channels: channels, interlaced: raw.interlaced != 0,
                       hasTransparency: transparency)
    }

    private static func failure(_ message: [CChar], name: String, verb: String = "decode") -> FormatError {
        let text = message.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return FormatError(name, "cannot \(verb) PNG: \(text)")
    }
}
