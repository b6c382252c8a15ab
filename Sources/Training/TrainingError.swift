/// A training job that cannot run as asked, naming the file or value at fault.
public struct TrainingError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file or option concerned (a path, or e.g. `preset 'x'`).
    public let subject: String
    /// What is wrong, in plain words.
    public let problem: String

    /// An error about `subject`.
    public init(_ subject: String, _ problem: String) {
        self.subject = subject
        self.problem = problem
    }

    public var description: String { "\(subject): \(problem)" }
}
