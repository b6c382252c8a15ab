/// Formats a record as one stderr line for when journald is absent: the sd-daemon(3)
/// `<N>` priority prefix, the message, then `key=value` pairs from the `ULTRAREFINER_*` fields.
/// Newlines and other control characters are escaped so a file name can never split a record.
public enum StderrLine {
    /// `<N>message KEY=value ...` without a trailing newline.
    public static func format(_ record: JournalRecord) -> String {
        var line = "<\(record.priority)>" + escape(record.message)
        for field in record.fields where field.name.hasPrefix("ULTRAREFINER_") {
            let key = field.name.dropFirst("ULTRAREFINER_".count).lowercased()
            line += " \(key)=\(quoteIfNeeded(escape(field.value)))"
        }
        return line
    }

    /// Backslash-escapes `\`, newline, carriage return, tab and other control characters.
    static func escape(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                result += "\\x" + String(scalar.value, radix: 16).leftPadded(to: 2)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// Values with spaces, quotes or `=` are quoted so `key=value` pairs stay parseable.
    private static func quoteIfNeeded(_ value: String) -> String {
        guard value.isEmpty || value.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}

private extension String {
    func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: Swift.max(0, width - count)) + self
    }
}
