import CInotify
import Foundation

/// What the watcher saw.
public enum SpoolEvent: Sendable, Equatable {
    /// A file finished arriving in a drop folder (closed after writing, or renamed in).
    case arrived(lane: Lane, name: String)
    /// The kernel's event queue overflowed: events were lost, so the folders must be rescanned.
    case overflow
}

/// Watches the drop folders with inotify for files that are complete: only `IN_CLOSE_WRITE`
/// and `IN_MOVED_TO` count, so a half-written file is never reported. Owned by one thread.
public final class SpoolWatcher {
    private let fd: Int32
    private var lanes: [Int32: Lane] = [:]

    /// Starts watching the drop folders of `layout` (which must exist).
    public init(layout: SpoolLayout) throws {
        fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard fd >= 0 else { throw SpoolError(layout.root.path, "inotify_init1: \(String(cString: strerror(errno)))") }
        for lane in Lane.allCases {
            let folder = layout.dropFolder(lane)
            let wd = inotify_add_watch(fd, folder.path, UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_ONLYDIR))
            guard wd >= 0 else {
                let problem = String(cString: strerror(errno))
                close(fd)
                throw SpoolError(folder.path, "cannot watch: \(problem)")
            }
            lanes[wd] = lane
        }
    }

    deinit { close(fd) }

    /// Waits up to `timeout` seconds for events and returns them (empty on timeout), so the
    /// caller's loop keeps running (watchdog pings, shutdown checks) even when idle.
    public func next(timeout: Double) throws -> [SpoolEvent] {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, Int32(max(0, timeout) * 1000))
        if ready < 0 {
            if errno == EINTR { return [] }
            throw SpoolError("inotify", "poll: \(String(cString: strerror(errno)))")
        }
        guard ready > 0 else { return [] }
        var events: [SpoolEvent] = []
        let capacity = 64 * 1024
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 8)
        defer { buffer.deallocate() }
        while true {
            let n = read(fd, buffer, capacity)
            if n < 0 {
                if errno == EAGAIN || errno == EINTR { break }
                throw SpoolError("inotify", "read: \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            var offset = 0
            let header = MemoryLayout<inotify_event>.size
            while offset + header <= n {
                let event = buffer.load(fromByteOffset: offset, as: inotify_event.self)
                let nameBytes = buffer.advanced(by: offset + header).assumingMemoryBound(to: CChar.self)
                let name = event.len > 0 ? String(cString: nameBytes) : ""
                offset += header + Int(event.len)
                if event.mask & UInt32(IN_Q_OVERFLOW) != 0 {
                    events.append(.overflow)
                } else if let lane = lanes[event.wd], !name.isEmpty,
                          event.mask & UInt32(IN_ISDIR) == 0 {
                    events.append(.arrived(lane: lane, name: name))
                }
            }
        }
        return events
    }
}
