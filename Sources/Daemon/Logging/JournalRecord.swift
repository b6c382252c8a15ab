import Logging

/// One log record as journald fields (`MESSAGE`, `PRIORITY`, `SYSLOG_IDENTIFIER`,
/// `ULTRAREFINER_*`, `CODE_*`), the common form both sinks consume.
public struct JournalRecord: Sendable {
    /// Syslog priority 0…7 (7 is debug), as journald and the `<N>` prefix use it.
    public let priority: Int
    /// The message text, unchanged (journald stores newlines faithfully).
    public let message: String
    /// Additional journal fields in a stable order, names already valid for journald.
    public let fields: [(name: String, value: String)]

    /// Creates a record; `fields` excludes `MESSAGE` and `PRIORITY`.
    public init(priority: Int, message: String, fields: [(name: String, value: String)]) {
        self.priority = priority
        self.message = message
        self.fields = fields
    }

    /// Every field including `MESSAGE` and `PRIORITY`, as sent to journald.
    public var journalFields: [(name: String, value: String)] {
        [("MESSAGE", message), ("PRIORITY", String(priority))] + fields
    }

    /// Field value by name, for callers and tests that look one up.
    public func field(_ name: String) -> String? {
        journalFields.first { $0.name == name }?.value
    }

    /// Syslog priority for a swift-log level (sd-daemon(3) levels: 7 debug … 2 critical).
    public static func priority(for level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: return 7
        case .info: return 6
        case .notice: return 5
        case .warning: return 4
        case .error: return 3
        case .critical: return 2
        }
    }

    /// The journal field for a metadata key: `ULTRAREFINER_` plus the key upper-cased, with
    /// anything outside `A-Z0-9_` replaced by `_`, cut to journald's 64-byte name limit.
    public static func fieldName(forMetadataKey key: String) -> String {
        let cleaned = key.uppercased().unicodeScalars.map { scalar -> Character in
            let isValid = ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "_"
            return isValid ? Character(scalar) : "_"
        }
        return String(("ULTRAREFINER_" + String(cleaned)).prefix(64))
    }
}
