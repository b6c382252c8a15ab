import Foundation

/// The destination named by `$NOTIFY_SOCKET`: a file-system socket path, or a Linux abstract
/// socket name (written with a leading `@`, which stands for the leading NUL byte).
public enum NotifySocketAddress: Sendable, Equatable {
    /// A socket file at this absolute path.
    case path(String)
    /// An abstract-namespace name, without the leading `@`.
    case abstract(String)

    /// Parses a `NOTIFY_SOCKET` value; nil for empty or relative values, which systemd never sets.
    public init?(environmentValue value: String) {
        if value.hasPrefix("@"), value.count > 1 {
            self = .abstract(String(value.dropFirst()))
        } else if value.hasPrefix("/") {
            self = .path(value)
        } else {
            return nil
        }
    }

    /// The value as it appears in the environment, for error messages.
    public var environmentValue: String {
        switch self {
        case .path(let path): return path
        case .abstract(let name): return "@" + name
        }
    }

    /// Calls `body` with a filled `sockaddr_un` and its length; throws when the name does not fit.
    func withSocketAddress<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) throws(NotifyError) -> R {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        // Abstract names start with a NUL byte and are not NUL-terminated; paths are.
        let bytes: [UInt8]
        switch self {
        case .path(let path): bytes = Array(path.utf8) + [0]
        case .abstract(let name): bytes = [0] + Array(name.utf8)
        }
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count <= capacity else {
            throw NotifyError(socket: environmentValue,
                              problem: "socket name is \(bytes.count) bytes, longer than the \(capacity) a unix socket allows")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
        }
        let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \.sun_path)!
        let length = socklen_t(pathOffset + bytes.count)
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) }
        }
    }
}
