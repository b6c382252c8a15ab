import Foundation
import Formats
import Spool
#if canImport(Glibc)
import Glibc
#endif

/// Puts a user's file into a spool drop folder so the watcher only ever sees it complete:
/// the bytes go to a dot-temp in the same folder, are fsynced, and are linked under the final
/// name, which never replaces an existing file (a `-1`, `-2`… suffix is added instead).
public enum SpoolSubmission {
    /// Validates job files (`.toml`/`.json`) and copies them into `jobs/`; `.png` images go to
    /// `inbox/`. Returns where the file landed.
    @discardableResult
    public static func submit(_ file: URL, to layout: SpoolLayout) throws -> URL {
        let ext = file.pathExtension.lowercased()
        let folder: URL
        switch ext {
        case "toml", "json":
            _ = try JobFile.load(file)
            folder = layout.jobs
        case "png":
            folder = layout.inbox
        default:
            throw FormatError(file, "can only submit job files (.toml, .json) or images (.png)")
        }
        let data: Data
        do { data = try Data(contentsOf: file) } catch {
            throw FormatError(file, "cannot read: \(error.localizedDescription)")
        }
        try layout.createSkeleton()
        return try placeWithoutReplacing(data, named: file.lastPathComponent, in: folder)
    }

    /// Writes `data` durably into `folder` under `name`, or `stem-N.ext` if taken.
    public static func placeWithoutReplacing(_ data: Data, named name: String, in folder: URL) throws -> URL {
        let temp = folder.appendingPathComponent(".\(name).\(UUID().uuidString).tmp")
        try writeSynced(data, to: temp)
        defer { unlink(temp.path) }
        let stem = (name as NSString).deletingPathExtension
        let ext = (name as NSString).pathExtension
        for attempt in 0..<10_000 {
            let candidate = attempt == 0 ? name : "\(stem)-\(attempt)" + (ext.isEmpty ? "" : ".\(ext)")
            let destination = folder.appendingPathComponent(candidate)
            // link(2) fails with EEXIST instead of replacing, which rename(2) would do silently.
            if link(temp.path, destination.path) == 0 {
                try AtomicFile.syncDirectory(folder)
                return destination
            }
            guard errno == EEXIST else {
                throw FormatError(destination, "cannot place file: \(String(cString: strerror(errno)))")
            }
        }
        throw FormatError(folder.appendingPathComponent(name), "too many files with this name")
    }

    private static func writeSynced(_ data: Data, to url: URL) throws {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FormatError(url, "cannot create: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let written = data.withUnsafeBytes { raw -> Bool in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 { if errno == EINTR { continue }; return false }
                offset += n
            }
            return true
        }
        guard written, fsync(fd) == 0 else {
            unlink(url.path)
            throw FormatError(url, "cannot write: \(String(cString: strerror(errno)))")
        }
    }
}
