import Durable
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Reads files for the decoders with POSIX calls, so that a missing file, a folder or an
/// unreadable file becomes a `FormatError` with the system's own wording and the path.
enum FileBytes {
    /// The whole file, or at most its first `limit` bytes.
    static func read(_ url: URL, limit: Int = .max) throws -> Data {
        let fd = open(url.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FormatError(url, "cannot open: \(lastError())") }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw FormatError(url, "cannot stat: \(lastError())") }
        guard status.st_mode & S_IFMT != S_IFDIR else { throw FormatError(url, "is a folder, not a file") }
        let wanted = min(Int(status.st_size), limit)
        var data = Data(count: wanted)
        let received = try data.withUnsafeMutableBytes { raw -> Int in
            var offset = 0
            while offset < wanted {
                let n = Glibc.read(fd, raw.baseAddress! + offset, wanted - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw FormatError(url, "cannot read: \(lastError())")
                }
                if n == 0 { break }  // The file shrank while we read it.
                offset += n
            }
            return offset
        }
        return received == wanted ? data : data.prefix(received)
    }

    /// The size in bytes, without reading the file.
    static func size(_ url: URL) throws -> Int {
        var status = stat()
        guard stat(url.path, &status) == 0 else { throw FormatError(url, "cannot open: \(lastError())") }
        return Int(status.st_size)
    }

    private static func lastError() -> String { String(cString: strerror(errno)) }
}
