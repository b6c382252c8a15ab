import Durable
import Foundation

/// Reads the TOML subset job and config files use: `[table]` headers, `key = value` with
/// strings, integers, floats, booleans and single-line arrays, and `#` comments.
///
/// Our own parser rather than TOMLKit: the package must build offline, and every error has
/// to name the exact line, which is what users of a daemon need to fix a dropped file.
public enum TOMLSubsetParser {
    /// Parses `text` read from `path`; keys inside `[t]` become `t.key`.
    /// Duplicate keys and anything outside the subset throw `FormatError` naming `path:line`.
    public static func parse(_ text: String, path: String) throws -> LocatedDocument {
        var document: LocatedDocument = []
        var seen = Set<String>()
        var table = ""
        for (index, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let lineNumber = index + 1
            func fail(_ problem: String) -> FormatError {
                FormatError("\(path):\(lineNumber)", problem)
            }
            var scanner = Scanner(Array(rawLine.unicodeScalars), fail: fail)
            scanner.skipSpaces()
            if scanner.atEndOrComment { continue }
            if scanner.peek == "[" {
                scanner.advance()
                scanner.skipSpaces()
                let name = try scanner.bareKey()
                scanner.skipSpaces()
                guard scanner.peek == "]" else { throw fail("expected ] to close the table header") }
                scanner.advance()
                try scanner.expectLineEnd()
                guard seen.insert("[\(name)]").inserted else { throw fail("table [\(name)] is defined twice") }
                table = name + "."
                continue
            }
            let key = table + (try scanner.bareKey())
            scanner.skipSpaces()
            guard scanner.peek == "=" else { throw fail("expected = after key \(key)") }
            scanner.advance()
            scanner.skipSpaces()
            let value = try scanner.value()
            try scanner.expectLineEnd()
            guard seen.insert(key).inserted else { throw fail("duplicate key \(key)") }
            document.append((key, LocatedValue(value, line: lineNumber)))
        }
        return document
    }

    /// A cursor over one line.
    private struct Scanner {
        let chars: [Unicode.Scalar]
        let fail: (String) -> FormatError
        var position = 0

        init(_ chars: [Unicode.Scalar], fail: @escaping (String) -> FormatError) {
            self.chars = chars
            self.fail = fail
        }

        var peek: Unicode.Scalar? { position < chars.count ? chars[position] : nil }
        var atEndOrComment: Bool { peek == nil || peek == "#" || peek == "\r" }
        mutating func advance() { position += 1 }
        mutating func skipSpaces() { while peek == " " || peek == "\t" { advance() } }

        mutating func expectLineEnd() throws {
            skipSpaces()
            if peek == "\r" { advance() }
            guard atEndOrComment else { throw fail("unexpected text after the value") }
        }

        mutating func bareKey() throws -> String {
            var key = ""
            while let c = peek, c.properties.isAlphabetic || ("0"..."9").contains(c) || c == "_" || c == "-" {
                key.unicodeScalars.append(c)
                advance()
            }
            guard !key.isEmpty else { throw fail("expected a key (letters, digits, _ or -)") }
            return key
        }

        mutating func value(depth: Int = 0) throws -> LocatedValue.Value {
            switch peek {
            case "\"": return .string(try string())
            case "[": return try array(depth: depth)
            case nil, "#": throw fail("missing value")
            default: return try scalarWord()
            }
        }

        mutating func string() throws -> String {
            advance()
            var result = ""
            while let c = peek {
                advance()
                switch c {
                case "\"": return result
                case "\\":
                    guard let e = peek else { break }
                    advance()
                    switch e {
                    case "\"": result += "\""
                    case "\\": result += "\\"
                    case "n": result += "\n"
                    case "t": result += "\t"
                    default: throw fail("unsupported escape \\\(e) in string")
                    }
                default: result.unicodeScalars.append(c)
                }
            }
            throw fail("unterminated string")
        }

        mutating func array(depth: Int) throws -> LocatedValue.Value {
            // Bounded so a hostile line of brackets cannot exhaust the stack.
            guard depth < 8 else { throw fail("arrays nested too deeply") }
            advance()
            var items: [LocatedValue.Value] = []
            while true {
                skipSpaces()
                if peek == "]" { advance(); return .array(items) }
                guard peek != nil, peek != "#" else { throw fail("unterminated array (arrays must fit on one line)") }
                items.append(try value(depth: depth + 1))
                skipSpaces()
                if peek == "," {
                    advance()
                } else if peek == nil || peek == "#" {
                    throw fail("unterminated array (arrays must fit on one line)")
                } else if peek != "]" {
                    throw fail("expected , or ] in array")
                }
            }
        }

        mutating func scalarWord() throws -> LocatedValue.Value {
            var word = ""
            while let c = peek, c != " ", c != "\t", c != ",", c != "]", c != "#", c != "\r" {
                word.unicodeScalars.append(c)
                advance()
            }
            if word == "true" { return .bool(true) }
            if word == "false" { return .bool(false) }
            let digits = word.replacingOccurrences(of: "_", with: "")
            if let i = Int(digits) { return .integer(i) }
            if let d = Double(digits), d.isFinite, digits.contains(where: { $0.isNumber }) { return .float(d) }
            throw fail("cannot read value \(word.isEmpty ? "(empty)" : word) (strings need double quotes)")
        }
    }
}
