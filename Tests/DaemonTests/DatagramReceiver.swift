import Foundation
import Testing
import TestSupport

/// A real bound AF_UNIX datagram socket standing in for systemd's notify socket.
final class DatagramReceiver: @unchecked Sendable {
    let descriptor: Int32
    let path: String

    init() throws {
        path = try TestPaths.temporaryDirectory("notify").appendingPathComponent("notify.sock").path
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8) + [0]
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        try #require(bound == 0, "bind \(path): \(String(cString: strerror(errno)))")
    }

    deinit { close(descriptor) }

    /// The next datagram, or nil when none arrives (non-blocking read after send returned).
    func receive() -> String? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(descriptor, &buffer, buffer.count, Int32(MSG_DONTWAIT))
        return count < 0 ? nil : String(decoding: buffer[..<count], as: UTF8.self)
    }

    /// Datagrams received until one satisfies `done` or `timeout` seconds pass (all of them, in order).
    func receive(until done: (String) -> Bool, timeout: Double) -> [String] {
        var received: [String] = []
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            var descriptor = pollfd(fd: self.descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 100) > 0, let message = receive() else { continue }
            received.append(message)
            if done(message) { break }
        }
        return received
    }
}
