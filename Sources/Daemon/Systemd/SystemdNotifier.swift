import Foundation

/// Speaks the `sd_notify` protocol itself (one `AF_UNIX` datagram per message), so the daemon's
/// readiness, status and watchdog behaviour can be tested against a real socket without
/// depending on libsystemd. Without `$NOTIFY_SOCKET` (run by hand) every call is a no-op.
public struct SystemdNotifier: Sendable {
    /// Where datagrams go; nil when not started by systemd with `Type=notify`.
    public let address: NotifySocketAddress?
    /// The watchdog timeout systemd expects pings within (`$WATCHDOG_USEC`), nil when disabled
    /// or when `$WATCHDOG_PID` names another process.
    public let watchdogTimeout: Duration?

    /// Reads `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID` from `environment`;
    /// `pid` is this process's id, compared with `WATCHDOG_PID`.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment,
                pid: pid_t = getpid()) {
        address = environment["NOTIFY_SOCKET"].flatMap(NotifySocketAddress.init(environmentValue:))
        watchdogTimeout = Self.watchdogTimeout(environment: environment, pid: pid)
    }

    /// How often to send `WATCHDOG=1`: half the timeout, as sd_watchdog_enabled(3) advises,
    /// so one late ping does not get the daemon killed.
    public var watchdogInterval: Duration? { watchdogTimeout.map { $0 / 2 } }

    /// `READY=1`, with an optional status line; sent once models are loaded.
    public func ready(status: String? = nil) throws(NotifyError) {
        try send(["READY=1"] + (status.map { ["STATUS=" + Self.singleLine($0)] } ?? []))
    }

    /// `STATUS=` free-form text shown by `systemctl status` (queue depth, current item, ETA).
    public func status(_ text: String) throws(NotifyError) {
        try send(["STATUS=" + Self.singleLine(text)])
    }

    /// `WATCHDOG=1`: the working loop is alive.
    public func watchdog() throws(NotifyError) {
        try send(["WATCHDOG=1"])
    }

    /// `STOPPING=1`: shutdown has begun.
    public func stopping() throws(NotifyError) {
        try send(["STOPPING=1"])
    }

    /// `RELOADING=1` with `MONOTONIC_USEC=` (CLOCK_MONOTONIC now), which systemd ≥ 253 requires
    /// for `Type=notify-reload` and accepts otherwise; follow with `ready()` when done.
    public func reloading() throws(NotifyError) {
        try send(["RELOADING=1", "MONOTONIC_USEC=\(Self.monotonicMicroseconds())"])
    }

    /// Sends the given `KEY=value` assignments as one datagram, newline-separated.
    public func send(_ assignments: [String]) throws(NotifyError) {
        guard let address else { return }
        let payload = Array(assignments.joined(separator: "\n").utf8)
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else {
            throw NotifyError(socket: address.environmentValue, problem: "socket(): \(Self.errnoText())")
        }
        defer { close(descriptor) }
        let sent = try address.withSocketAddress { pointer, length in
            payload.withUnsafeBytes { sendto(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), pointer, length) }
        }
        guard sent == payload.count else {
            throw NotifyError(socket: address.environmentValue, problem: "sendto(): \(Self.errnoText())")
        }
    }

    /// Current CLOCK_MONOTONIC in microseconds, the clock systemd compares reload stamps with.
    public static func monotonicMicroseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
    }

    private static func watchdogTimeout(environment: [String: String], pid: pid_t) -> Duration? {
        guard let text = environment["WATCHDOG_USEC"], let micros = UInt64(text), micros > 0 else { return nil }
        if let owner = environment["WATCHDOG_PID"], pid_t(owner) != pid { return nil }
        return .microseconds(Int64(clamping: micros))
    }

    /// A newline inside STATUS= would start a new assignment, so it becomes a space.
    private static func singleLine(_ text: String) -> String {
        text.replacingOccurrences(of: "\n", with: " ")
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}
