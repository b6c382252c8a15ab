import Foundation

/// Detects whether a descriptor is connected to journald, the way systemd.exec(5) documents:
/// `$JOURNAL_STREAM` holds "device:inode" of the stream, compared with the descriptor's `fstat`.
/// Comparing (rather than trusting the variable) avoids logging to journald after stderr was
/// redirected by hand inside a service.
public enum JournalStream {
    /// True when `environment["JOURNAL_STREAM"]` names the device and inode of `descriptor`.
    public static func isConnected(descriptor: Int32 = STDERR_FILENO,
                                   environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        guard let value = environment["JOURNAL_STREAM"] else { return false }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return false }
        return matches(value, device: UInt64(status.st_dev), inode: UInt64(status.st_ino))
    }

    /// True when a `JOURNAL_STREAM` value "DEV:INO" (decimal) equals `device` and `inode`.
    public static func matches(_ value: String, device: UInt64, inode: UInt64) -> Bool {
        let parts = value.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let dev = UInt64(parts[0]), let ino = UInt64(parts[1]) else { return false }
        return dev == device && ino == inode
    }
}
