import Durable


/// Reads a flat JSON object (the JSON form of a job file) keeping, for each key, the line of
/// its byte offset, so JSON jobs get the same `file:line: reason` errors as TOML ones.
/// Nested objects are refused: job files are flat.
public enum JSONJobParser {
    /// Parses `bytes` read from `path`; throws `FormatError` naming `path:line` on any defect.
    public static func parse(_ bytes: [UInt8], path: String) throws -> LocatedDocument {
        var reader = Reader(bytes: bytes, path: path)
        reader.skipWhitespace()
        try reader.expect(UInt8(ascii: "{"))
        var document: LocatedDocument = []
        var seen = Set<String>()
        reader.skipWhitespace()
        if reader.peek == UInt8(ascii: "}") {
            reader.position += 1
        } else {
            while true {
                reader.skipWhitespace()
                let line = reader.line
                guard reader.peek == UInt8(ascii: "\"") else { throw reader.fail("expected a quoted key") }
                let key = try reader.string()
                reader.skipWhitespace()
                try reader.expect(UInt8(ascii: ":"))
                reader.skipWhitespace()
                let value = try reader.value(depth: 0)
                guard seen.insert(key).inserted else {
                    throw FormatError("\(path):\(line)", "duplicate key \(key)")
                }
                document.append((key, LocatedValue(value, line: line)))
                reader.skipWhitespace()
                if reader.peek == UInt8(ascii: ",") { reader.position += 1; continue }
                try reader.expect(UInt8(ascii: "}"))
                break
            }
        }
        reader.skipWhitespace()
        guard reader.peek == nil else { throw reader.fail("unexpected text after the JSON object") }
        return document
    }

    private struct Reader {
        let bytes: [UInt8]
        let path: String
        var position = 0

        var peek: UInt8? { position < bytes.count ? bytes[position] : nil }
        /// 1-based line of the current offset.
        var line: Int { 1 + bytes[..<min(position, bytes.count)].lazy.filter { $0 == 0x0A }.count }

        func fail(_ problem: String) -> FormatError {
            FormatError("\(path):\(line)", peek == nil ? "\(problem) (file ends early)" : problem)
        }

        mutating func skipWhitespace() {
            while let b = peek, b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { position += 1 }
        }

        mutating func expect(_ byte: UInt8) throws {
            guard peek == byte else { throw fail("expected \(Character(Unicode.Scalar(byte)))") }
            position += 1
        }

        mutating func value(depth: Int) throws -> LocatedValue.Value {
            switch peek {
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "["):
                guard depth < 8 else { throw fail("arrays nested too deeply") }
                position += 1
                var items: [LocatedValue.Value] = []
                skipWhitespace()
                if peek == UInt8(ascii: "]") { position += 1; return .array(items) }
                while true {
                    skipWhitespace()
                    items.append(try value(depth: depth + 1))
                    skipWhitespace()
                    if peek == UInt8(ascii: ",") { position += 1; continue }
                    try expect(UInt8(ascii: "]"))
                    return .array(items)
                }
            case UInt8(ascii: "{"): throw fail("nested objects are not allowed in job files")
            default: return try word()
            }
        }

        mutating func word() throws -> LocatedValue.Value {
            let start = position
            while let b = peek, b == UInt8(ascii: "-") || b == UInt8(ascii: "+") || b == UInt8(ascii: ".")
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(b)
                || b == UInt8(ascii: "E") {
                position += 1
            }
            let text = String(decoding: bytes[start..<position], as: UTF8.self)
            switch text {
            case "true": return .bool(true)
            case "false": return .bool(false)
            default:
                if let i = Int(text) { return .integer(i) }
                if let d = Double(text), d.isFinite, text.first != "+" { return .float(d) }
                throw fail(text.isEmpty ? "expected a value" : "cannot read value \(text)")
            }
        }

        mutating func string() throws -> String {
            position += 1
            var scalars: [UInt8] = []
            while let b = peek {
                position += 1
                switch b {
                case UInt8(ascii: "\""):
                    guard let s = String(validating: scalars, as: UTF8.self) else { throw fail("string is not valid UTF-8") }
                    return s
                case UInt8(ascii: "\\"):
                    guard let e = peek else { throw fail("unterminated string") }
                    position += 1
                    switch e {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scalars.append(e)
                    case UInt8(ascii: "n"): scalars.append(0x0A)
                    case UInt8(ascii: "t"): scalars.append(0x09)
                    default: throw fail("unsupported escape in string")
                    }
                case 0..<0x20: throw fail("control character in string")
                default: scalars.append(b)
                }
            }
            throw fail("unterminated string")
        }
    }
}
