/// Filesystem-safe, unique case names derived from raw file stems: `benign (1)` becomes
/// `benign_001`; other stems keep `[A-Za-z0-9_-]` and turn every other run into `_`.
enum CaseNaming {
    /// Names for `stems` in order; later duplicates get `_2`, `_3`, ... Uniqueness ignores
    /// letter case, so the names stay distinct on case-insensitive file systems too.
    static func uniqueNames(for stems: [String]) -> [String] {
        var taken = Set<String>()
        return stems.map { stem in
            let base = safeName(stem)
            var name = base
            var suffix = 2
            while taken.contains(name.lowercased()) {
                name = "\(base)_\(suffix)"
                suffix += 1
            }
            taken.insert(name.lowercased())
            return name
        }
    }

    /// One stem made safe: BUSI's `PREFIX (N)` pattern becomes `PREFIX_NNN`, so names sort
    /// in number order; anything else is sanitised.
    static func safeName(_ stem: String) -> String {
        if stem.hasSuffix(")"), let open = stem.lastIndex(of: "(") {
            let digits = stem[stem.index(after: open)..<stem.index(before: stem.endIndex)]
            let prefix = sanitized(String(stem[..<open]))
            if digits.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int(digits) {
                return "\(prefix)_\(zeroPadded(number, digits: 3))"
            }
        }
        return sanitized(stem)
    }

    /// Keeps ASCII letters, digits, `_` and `-`; every other run becomes one `_`; leading and
    /// trailing `_`/`-` are trimmed (a leading `-` would read as a command-line option).
    static func sanitized(_ text: String) -> String {
        var result = ""
        var pendingSeparator = false
        for character in text.unicodeScalars {
            let allowed = character.isASCII
                && (character.properties.isAlphabetic || ("0"..."9").contains(character)
                    || character == "_" || character == "-")
            if allowed {
                if pendingSeparator && !result.isEmpty { result.append("_") }
                pendingSeparator = false
                result.unicodeScalars.append(character)
            } else {
                pendingSeparator = true
            }
        }
        let trimmed = result.drop { $0 == "_" || $0 == "-" }
        let name = String(trimmed.reversed().drop { $0 == "_" || $0 == "-" }.reversed())
        return name.isEmpty ? "case" : name
    }
}

/// `number` in decimal with leading zeros up to `digits` digits (more digits are kept).
func zeroPadded(_ number: Int, digits: Int) -> String {
    let text = String(number)
    return String(repeating: "0", count: max(digits - text.count, 0)) + text
}
