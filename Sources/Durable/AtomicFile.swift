import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Durable, all-or-nothing file writes: the bytes go to a temporary name in the destination's
/// folder, are fsynced, renamed over the destination, and the folder is fsynced. A reader (or a
/// crash) sees either the old file or the complete new one, never a torn write.
public enum AtomicFile {
    /// Writes `data` to `url` atomically and durably.
    public static func write(_ data: Data, to url: URL) throws {
        try write(to: url) { fd, tempPath in
            try data.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                    if n < 0 {
                        if errno == EINTR { continue }
                        throw FormatError(url, "cannot write: \(String(cString: strerror(errno)))")
                    }
                    offset += n
                }
            }
        }
    }

    /// Opens a temporary file beside `url`, lets `body` fill it through the descriptor, then
    /// fsyncs, renames and fsyncs the folder. The temporary file is removed if anything fails.
    public static func write(to url: URL, _ body: (_ fd: Int32, _ tempPath: String) throws -> Void) throws {
        let folder = url.deletingLastPathComponent()
        // A dotfile name, so spool watchers that ignore dotfiles never pick up a half-written file.
        let tempPath = folder.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp").path
        let fd = open(tempPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw FormatError(url, "cannot create temporary file: \(String(cString: strerror(errno)))")
        }
        var committed = false
        defer {
            if !committed { unlink(tempPath) }
        }
        do {
            try body(fd, tempPath)
            guard fsync(fd) == 0 else {
                throw FormatError(url, "cannot fsync: \(String(cString: strerror(errno)))")
            }
        } catch {
            close(fd)
            throw error
        }
        guard close(fd) == 0 else {
            throw FormatError(url, "cannot close: \(String(cString: strerror(errno)))")
        }
        guard rename(tempPath, url.path) == 0 else {
            throw FormatError(url, "cannot rename into place: \(String(cString: strerror(errno)))")
        }
        committed = true
        try syncDirectory(folder)
    }

    /// fsyncs a directory so that a rename inside it survives a power loss.
    public static func syncDirectory(_ folder: URL) throws {
        let dfd = open(folder.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard dfd >= 0 else {
            throw FormatError(folder, "cannot open folder to fsync: \(String(cString: strerror(errno)))")
        }
        defer { close(dfd) }
        guard fsync(dfd) == 0 else {
            throw FormatError(folder, "cannot fsync folder: \(String(cString: strerror(errno)))")
        }
    }
}
