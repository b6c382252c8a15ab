import Durable


/// Typed, line-accurate access to a parsed job or config file: every accessor that rejects
/// a value throws `path:line: reason`, and `rejectUnknownKeys` catches typos.
public struct DocumentReader: Sendable {
    public let path: String
    private let values: [String: LocatedValue]
    private let order: [String]

    /// Wraps `document` read from `path` (the name used in messages).
    public init(_ document: LocatedDocument, path: String) {
        self.path = path
        self.values = Dictionary(document.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
        self.order = document.map(\.key)
    }

    /// An error at the line of `key` (or line 1 when it is absent).
    public func error(_ key: String?, _ problem: String) -> FormatError {
        let line = key.flatMap { values[$0]?.line } ?? 1
        return FormatError("\(path):\(line)", problem)
    }

    /// Whether the file sets `key`.
    public func has(_ key: String) -> Bool { values[key] != nil }

    /// Throws for the first key (in file order) not in `allowed`.
    public func rejectUnknownKeys(allowed: Set<String>) throws {
        if let unknown = order.first(where: { !allowed.contains($0) }) {
            throw error(unknown, "unknown key \(unknown)")
        }
    }

    /// A string value, or nil when absent.
    public func string(_ key: String) throws -> String? {
        guard let v = values[key] else { return nil }
        guard case .string(let s) = v.value else { throw error(key, "\(key) must be a string, got \(v.value)") }
        return s
    }

    /// A string that must be one of `choices`.
    public func choice(_ key: String, _ choices: [String]) throws -> String? {
        guard let s = try string(key) else { return nil }
        guard choices.contains(s) else {
            throw error(key, "\(key) must be one of \(choices.joined(separator: " | ")), got \"\(s)\"")
        }
        return s
    }

    /// An integer value, or nil when absent.
    public func integer(_ key: String) throws -> Int? {
        guard let v = values[key] else { return nil }
        guard case .integer(let i) = v.value else { throw error(key, "\(key) must be an integer, got \(v.value)") }
        return i
    }

    /// A positive integer (epochs, batch sizes, thread counts, pixel limits).
    public func positiveInteger(_ key: String) throws -> Int? {
        guard let v = values[key] else { return nil }
        guard case .integer(let i) = v.value, i > 0 else {
            throw error(key, "\(key) must be a positive integer, got \(v.value)")
        }
        return i
    }

    /// A finite number, integers accepted.
    public func number(_ key: String) throws -> Double? {
        guard let v = values[key] else { return nil }
        switch v.value {
        case .integer(let i): return Double(i)
        case .float(let d): return d
        default: throw error(key, "\(key) must be a number, got \(v.value)")
        }
    }

    /// A boolean value, or nil when absent.
    public func bool(_ key: String) throws -> Bool? {
        guard let v = values[key] else { return nil }
        guard case .bool(let b) = v.value else { throw error(key, "\(key) must be true or false, got \(v.value)") }
        return b
    }

    /// An array of strings, or nil when absent.
    public func strings(_ key: String) throws -> [String]? {
        try array(key, of: "strings") { if case .string(let s) = $0 { s } else { nil } }
    }

    /// An array of integers, or nil when absent.
    public func integers(_ key: String) throws -> [Int]? {
        try array(key, of: "integers") { if case .integer(let i) = $0 { i } else { nil } }
    }

    /// An array whose every item `element` accepts, or nil when absent; anything else is an
    /// error naming the key and the whole value.
    private func array<Element>(_ key: String, of kind: String,
                                _ element: (LocatedValue.Value) -> Element?) throws -> [Element]? {
        guard let v = values[key] else { return nil }
        let problem = "\(key) must be an array of \(kind), got \(v.value)"
        guard case .array(let items) = v.value else { throw error(key, problem) }
        return try items.map { item in
            guard let value = element(item) else { throw error(key, problem) }
            return value
        }
    }
}
