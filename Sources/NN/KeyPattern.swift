/// A glob over dotted parameter or module paths, as `fnmatch` reads it: `*` matches any run
/// of characters (dots included, so `image_encoder.*` covers the whole encoder), `?` exactly
/// one character, anything else itself. The pattern must match the whole path:
/// `blocks.*.attn.qkv` matches `blocks.0.attn.qkv`, not `blocks.0.attn.qkv.weight`.
public struct KeyPattern: Sendable, Hashable, CustomStringConvertible {
    /// The pattern as written.
    public let pattern: String
    private let scalars: [Unicode.Scalar]

    /// A pattern in the syntax above.
    public init(_ pattern: String) {
        self.pattern = pattern
        scalars = Array(pattern.unicodeScalars)
    }

    public var description: String { pattern }

    /// Whether `path` matches the whole pattern.
    public func matches(_ path: String) -> Bool {
        let text = Array(path.unicodeScalars)
        var p = 0, t = 0
        // Where the last `*` was and how much text it has taken: on a mismatch it takes one
        // more character and matching resumes after it (linear backtracking, no recursion).
        var star: (pattern: Int, text: Int)?
        while t < text.count {
            if p < scalars.count, scalars[p] == "?" || (scalars[p] != "*" && scalars[p] == text[t]) {
                p += 1
                t += 1
            } else if p < scalars.count, scalars[p] == "*" {
                star = (p, t)
                p += 1
            } else if let s = star {
                star = (s.pattern, s.text + 1)
                p = s.pattern + 1
                t = s.text + 1
            } else {
                return false
            }
        }
        while p < scalars.count, scalars[p] == "*" { p += 1 }
        return p == scalars.count
    }

    /// A test for "matches at least one of `patterns`".
    static func any(of patterns: [String]) -> (String) -> Bool {
        let compiled = patterns.map(KeyPattern.init)
        return { path in compiled.contains { $0.matches(path) } }
    }
}

extension Module {
    /// Stops gradients for every parameter whose path matches one of `patterns` (see
    /// `KeyPattern`: `freeze(matching: ["image_encoder.*"])`); returns the matched keys, so a
    /// pattern that matched nothing shows.
    @discardableResult
    public func freeze(matching patterns: [String]) -> [String] {
        setRequiresGrad(false, matching: patterns)
    }

    /// Restarts gradients for every parameter whose path matches one of `patterns`; returns
    /// the matched keys.
    @discardableResult
    public func unfreeze(matching patterns: [String]) -> [String] {
        setRequiresGrad(true, matching: patterns)
    }

    private func setRequiresGrad(_ requiresGrad: Bool, matching patterns: [String]) -> [String] {
        let matcher = KeyPattern.any(of: patterns)
        let matched = namedParameters().filter { matcher($0.key) }
        for (_, parameter) in matched { parameter.requiresGrad = requiresGrad }
        return matched.map(\.key)
    }
}
