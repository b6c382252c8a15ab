/// A raw file that did not become (part of) a prepared case, and why. Preparation reports
/// every one of these instead of dropping data silently.
public struct Exclusion: Sendable, Codable, Equatable {
    /// The kinds of problem, as short stable identifiers for JSON and tests.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// The image's masks, merged, mark no lesion (BUSI's `normal/` class).
        case blankMask = "blank-mask"
        /// A mask's width/height differ from its image's.
        case sizeMismatch = "size-mismatch"
        /// The image or a mask could not be decoded.
        case unreadable
        /// A mask file without a matching image.
        case orphanMask = "orphan-mask"
        /// An image without any mask file.
        case missingMask = "missing-mask"
        /// A file or folder that is not part of the layout (not a PNG, a nested folder).
        case unrecognized = "unrecognized"
    }

    /// What is wrong.
    public var kind: Kind
    /// The file concerned, relative to the raw dataset folder.
    public var file: String
    /// The class folder it came from; nil in the images/masks layout.
    public var className: String?
    /// The problem in plain words (for unreadable files, the decoder's `FormatError` text).
    public var reason: String

    /// True when the exclusion removes an image (a would-be case), rather than a stray file.
    public var excludesImage: Bool {
        switch kind {
        case .blankMask, .sizeMismatch, .unreadable, .missingMask: return true
        case .orphanMask, .unrecognized: return false
        }
    }

    /// An exclusion of `file` (relative to the raw folder) for `reason`.
    public init(kind: Kind, file: String, className: String?, reason: String) {
        self.kind = kind
        self.file = file
        self.className = className
        self.reason = reason
    }

    enum CodingKeys: String, CodingKey {
        case kind, file, reason
        case className = "class"
    }
}
