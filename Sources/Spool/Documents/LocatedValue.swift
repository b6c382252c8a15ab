/// A scalar or array read from a TOML or JSON file, with the line it came from so that
/// validation errors can say `file:line: reason`.
public struct LocatedValue: Sendable, Equatable {
    /// The kinds of values job and config files may hold.
    public indirect enum Value: Sendable, Equatable {
        case string(String)
        case integer(Int)
        case float(Double)
        case bool(Bool)
        case array([Value])
    }

    /// What was written.
    public let value: Value
    /// 1-based line of the key in its file.
    public let line: Int

    /// Wraps a value read at `line`.
    public init(_ value: Value, line: Int) {
        self.value = value
        self.line = line
    }
}

extension LocatedValue.Value: CustomStringConvertible {
    /// The value as the user wrote it, for error messages.
    public var description: String {
        switch self {
        case .string(let s): return "\"\(s)\""
        case .integer(let i): return String(i)
        case .float(let d): return String(d)
        case .bool(let b): return String(b)
        case .array(let items): return "[" + items.map(\.description).joined(separator: ", ") + "]"
        }
    }
}

/// Keys (dotted for TOML tables, e.g. `model.sam`) in file order with their values.
public typealias LocatedDocument = [(key: String, value: LocatedValue)]
