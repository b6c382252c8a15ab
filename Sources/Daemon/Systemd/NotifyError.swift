import Foundation

/// Why a notification could not be delivered to the service manager; the daemon logs it and
/// keeps working, because a lost status line must never stop the processing of images.
public struct NotifyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The `NOTIFY_SOCKET` value the datagram was meant for.
    public let socket: String
    /// What went wrong, in words (includes `strerror` text for system-call failures).
    public let problem: String

    /// Creates an error for `socket` with a readable `problem`.
    public init(socket: String, problem: String) {
        self.socket = socket
        self.problem = problem
    }

    /// "NOTIFY_SOCKET <socket>: <problem>", so a log line names the destination.
    public var description: String { "NOTIFY_SOCKET \(socket): \(problem)" }
}
