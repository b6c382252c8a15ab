import Durable
import Formats
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Installs a fully written folder in place of an older one, so a re-run never mixes its
/// files with a previous run's: the new folder is built under a temporary dotted name
/// beside the destination and renamed over it at the end.
enum FolderReplacement {
    /// Builds a new `destination`: refuses unless it is absent, empty or `isReplaceable`,
    /// lets `body` fill a staging folder, and installs that when `body` says so (otherwise
    /// `destination` stays as it was). The staging folder never outlives the call.
    static func rebuild<Result>(_ destination: URL, what: String, isReplaceable: (URL) -> Bool,
                                _ body: (_ staging: URL) throws -> (result: Result, install: Bool)) throws -> Result {
        try checkReplaceable(destination, what: what, isReplaceable: isReplaceable)
        let staging = try makeStagingFolder(for: destination)
        defer { try? FileManager.default.removeItem(at: staging) }
        let built = try body(staging)
        if built.install { try install(staging, at: destination) }
        return built.result
    }

    /// A fresh hidden staging folder beside `destination`, on the same file system.
    static func makeStagingFolder(for destination: URL) throws -> URL {
        let parent = destination.deletingLastPathComponent()
        try createFolder(parent)
        let staging = parent.appendingPathComponent(".\(destination.lastPathComponent).partial-\(UUID().uuidString)")
        try createFolder(staging)
        return staging
    }

    /// Creates `folder` and its parents, naming the folder when that fails.
    static func createFolder(_ folder: URL) throws {
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw FormatError(folder, "cannot create folder: \(error.localizedDescription)")
        }
    }

    /// Refuses to go on when `destination` exists but `isReplaceable` says it is not an
    /// earlier output of ours (so a mistyped `--out` cannot wipe an unrelated folder).
    static func checkReplaceable(_ destination: URL, what: String,
                                 isReplaceable: (URL) -> Bool) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: destination.path, isDirectory: &isDirectory) else { return }
        guard isDirectory.boolValue,
              let entries = try? FileManager.default.contentsOfDirectory(atPath: destination.path),
              entries.isEmpty || isReplaceable(destination) else {
            throw FormatError(destination, "exists and does not look like \(what); refusing to replace it")
        }
    }

    /// Renames `staging` to `destination`; an existing destination is moved aside first and
    /// deleted afterwards. The parent folder is fsynced so the swap survives a crash.
    static func install(_ staging: URL, at destination: URL) throws {
        let parent = destination.deletingLastPathComponent()
        var previous: URL?
        if FileManager.default.fileExists(atPath: destination.path) {
            let aside = parent.appendingPathComponent(".\(destination.lastPathComponent).old-\(UUID().uuidString)")
            try rename(destination, to: aside)
            previous = aside
        }
        try rename(staging, to: destination)
        try AtomicFile.syncDirectory(parent)
        if let previous { try? FileManager.default.removeItem(at: previous) }
    }

    static func rename(_ source: URL, to target: URL) throws {
        guard Glibc.rename(source.path, target.path) == 0 else {
            throw FormatError(source, "cannot rename to \(target.path): \(String(cString: strerror(errno)))")
        }
    }
}
