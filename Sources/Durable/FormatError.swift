import Foundation

/// A file that could not be read or written, with the file and the problem named so that
/// a user (or the daemon's `NAME.error.json`) can tell exactly what went wrong.
public struct FormatError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file concerned.
    public let path: String
    /// What is wrong with it, in plain words.
    public let problem: String

    public init(_ path: String, _ problem: String) {
        self.path = path
        self.problem = problem
    }

    public init(_ url: URL, _ problem: String) {
        self.init(url.path, problem)
    }

    public var description: String { "\(path): \(problem)" }
}
