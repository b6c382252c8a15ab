import Durable
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Puts a user's file into a spool drop folder so the watcher only ever sees it complete:
/// the bytes go to a dot-temp in the same folder, are fsynced, and are renamed to the final
/// name, which never replaces an existing file (a `-1`, `-2`… suffix is added instead).
public enum SpoolSubmission {
    /// Validates job files (`.toml`/`.json`) and copies them into `jobs/`; `.png` images go to
    /// `inbox/`. Returns where the file landed.
    @discardableResult
    public static func submit(_ file: URL, to layout: SpoolLayout) throws -> URL {
        let folder: URL
        switch file.pathExtension.lowercased() {
        case "toml", "json": folder = layout.jobs
        case "png": folder = layout.inbox
        default: throw FormatError(file, "can only submit job files (.toml, .json) or images (.png)")
        }
        let data: Data
        do { data = try Data(contentsOf: file) } catch {
            throw FormatError(file, "cannot read: \(error.localizedDescription)")
        }
        // Validate the very bytes that are queued, not a second read of the file.
        if folder == layout.jobs { _ = try JobFile.parse(Array(data), fileName: file.lastPathComponent) }
        try layout.createSkeleton()
        return try placeWithoutReplacing(data, named: file.lastPathComponent, in: folder)
    }

    /// Writes `data` durably into `folder` under `name`, or `stem-N.ext` if taken.
    public static func placeWithoutReplacing(_ data: Data, named name: String, in folder: URL) throws -> URL {
        let temp = folder.appendingPathComponent(".\(name).\(UUID().uuidString).tmp")
        try writeSynced(data, to: temp)
        // After a successful rename the temp name is gone and this is a harmless no-op.
        defer { unlink(temp.path) }
        let stem = (name as NSString).deletingPathExtension
        let ext = (name as NSString).pathExtension
        for attempt in 0..<10_000 {
            let candidate = attempt == 0 ? name : "\(stem)-\(attempt)" + (ext.isEmpty ? "" : ".\(ext)")
            let destination = folder.appendingPathComponent(candidate)
            // RENAME_NOREPLACE fails with EEXIST instead of replacing, and unlike link(2) the
            // watcher sees IN_MOVED_TO, one of the two events it acts on.
            if try renameNoReplace(temp.path, destination.path) == 0 {
                try AtomicFile.syncDirectory(folder)
                return destination
            }
            guard errno == EEXIST else {
                throw FormatError(destination, "cannot place file: \(String(cString: strerror(errno)))")
            }
        }
        throw FormatError(folder.appendingPathComponent(name), "too many files with this name")
    }

    /// `renameat2(…, RENAME_NOREPLACE)`; glibc declares it only under `_GNU_SOURCE`, which the
    /// Swift Glibc module does not see, so it is looked up at run time.
    private static func renameNoReplace(_ from: String, _ to: String) throws -> Int32 {
        typealias RenameAt2 = @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "renameat2") else {
            throw FormatError(to, "this C library has no renameat2, cannot place files without replacing")
        }
        let renameNoReplaceFlag: UInt32 = 1  // RENAME_NOREPLACE in <linux/fs.h>
        return unsafeBitCast(symbol, to: RenameAt2.self)(AT_FDCWD, from, AT_FDCWD, to, renameNoReplaceFlag)
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
