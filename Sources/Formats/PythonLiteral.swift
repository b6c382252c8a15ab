/// The subset of Python literals an `.npy` header contains: a dict of strings, booleans,
/// `None`, integers, tuples and lists. `.npy` headers are written with `repr` and read by
/// numpy with `ast.literal_eval`, so this is parsed as a small grammar, not pattern-matched.
enum PythonLiteral {
    case string(String)
    case integer(Int)
    case boolean(Bool)
    case none
    case tuple([PythonLiteral])
    case list([PythonLiteral])
    case dict([(key: PythonLiteral, value: PythonLiteral)])

    /// A parse failure with the character offset where it happened.
    struct SyntaxError: Error {
        let offset: Int
        let expected: String
    }

    /// Parses one literal that must make up the whole text (surrounding whitespace allowed).
    static func parse(_ text: String) throws -> PythonLiteral {
        var parser = Parser(characters: Array(text))
        let value = try parser.value()
        parser.skipWhitespace()
        guard parser.position == parser.characters.count else {
            throw SyntaxError(offset: parser.position, expected: "end of header")
        }
        return value
    }

    private struct Parser {
        let characters: [Character]
        var position = 0

        mutating func skipWhitespace() {
            while position < characters.count, characters[position].isWhitespace { position += 1 }
        }

        mutating func value() throws -> PythonLiteral {
            skipWhitespace()
            guard position < characters.count else { throw SyntaxError(offset: position, expected: "a value") }
            switch characters[position] {
            case "{": return .dict(try pairs())
            case "(":
                let (items, sawComma) = try sequence(closing: ")")
                // `(3)` is just 3 in Python; only `(3,)` is a tuple.
                return items.count == 1 && !sawComma ? items[0] : .tuple(items)
            case "[": return .list(try sequence(closing: "]").items)
            case "'", "\"": return .string(try string())
            default: return try word()
            }
        }

        private mutating func expect(_ character: Character) throws {
            skipWhitespace()
            guard position < characters.count, characters[position] == character else {
                throw SyntaxError(offset: position, expected: "'\(character)'")
            }
            position += 1
        }

        private mutating func peek(_ character: Character) -> Bool {
            skipWhitespace()
            return position < characters.count && characters[position] == character
        }

        /// Comma-separated items up to `closing`, a trailing comma allowed.
        private mutating func sequence(closing: Character) throws -> (items: [PythonLiteral], sawComma: Bool) {
            position += 1
            var items: [PythonLiteral] = []
            var sawComma = false
            while !peek(closing) {
                items.append(try value())
                guard peek(",") else { break }
                position += 1
                sawComma = true
            }
            try expect(closing)
            return (items, sawComma)
        }

        private mutating func pairs() throws -> [(key: PythonLiteral, value: PythonLiteral)] {
            position += 1
            var result: [(key: PythonLiteral, value: PythonLiteral)] = []
            while !peek("}") {
                let key = try value()
                try expect(":")
                result.append((key, try value()))
                guard peek(",") else { break }
                position += 1
            }
            try expect("}")
            return result
        }

        private mutating func string() throws -> String {
            let quote = characters[position]
            position += 1
            var result = ""
            while position < characters.count, characters[position] != quote {
                if characters[position] == "\\", position + 1 < characters.count {
                    position += 1
                }
                result.append(characters[position])
                position += 1
            }
            try expect(quote)
            return result
        }

        private mutating func word() throws -> PythonLiteral {
            let start = position
            while position < characters.count,
                  characters[position].isLetter || characters[position].isNumber
                    || characters[position] == "_" || characters[position] == "-" {
                position += 1
            }
            let text = String(characters[start..<position])
            switch text {
            case "True": return .boolean(true)
            case "False": return .boolean(false)
            case "None": return .none
            default:
                // Python 2 era numpy wrote shapes as longs (`3L`).
                let digits = text.hasSuffix("L") ? String(text.dropLast()) : text
                guard let number = Int(digits) else {
                    throw SyntaxError(offset: start, expected: "a string, number, True, False or None")
                }
                return .integer(number)
            }
        }
    }
}
