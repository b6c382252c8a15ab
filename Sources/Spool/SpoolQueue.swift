import CInotify
import Durable
import Foundation

/// One input the daemon has claimed: it lives in `work/` under a stem that is unique across
/// the spool, so its outputs never overwrite those of an earlier file with the same name.
public struct SpoolItem: Sendable, Equatable {
    public let lane: Lane
    /// The name the file was dropped under (informational: recovery only knows the stem).
    public let droppedName: String
    /// The unique stem that names the work file, the outputs and the done/failed entries.
    public let stem: String
    /// The file extension, lower-cased as dropped (`png`, `toml`, `json`).
    public let fileExtension: String
    /// Sidecars claimed with an image (`STEM.box.json`, `STEM.points.json`), by suffix.
    public let sidecars: [String]
    let layout: SpoolLayout

    /// The claimed file in `work/`.
    public var workURL: URL { layout.work.appendingPathComponent("\(stem).\(fileExtension)") }

    /// A claimed sidecar in `work/`, e.g. `sidecar("box.json")`, if one was dropped.
    public func sidecar(_ suffix: String) -> URL? {
        sidecars.contains(suffix) ? layout.work.appendingPathComponent("\(stem).\(suffix)") : nil
    }
}

/// What happened to a claim attempt.
public enum ClaimResult: Sendable, Equatable {
    case claimed(SpoolItem)
    /// The file was gone (another claimer, or the user took it back).
    case vanished
    /// The entry was not a regular file (a symlink, a folder): moved to `failed/` with a reason.
    case refused(reason: String)
}

/// The durable on-disk queue: files move between folders only by rename(2), never by copy,
/// so an input exists in exactly one place at any instant and survives any crash.
public struct SpoolQueue: Sendable {
    public let layout: SpoolLayout
    /// The daemon version recorded in error files.
    public let version: String

    /// Sidecar suffixes that travel with an image (prompt overrides for interactive correction).
    public static let sidecarSuffixes = ["box.json", "points.json"]

    public init(layout: SpoolLayout, version: String) {
        self.layout = layout
        self.version = version
    }

    /// Whether `name` in a lane's drop folder is work for that lane. Dotfiles, editor and
    /// download temporaries, and sidecars (claimed with their image) are not.
    public static func isEligible(_ name: String, lane: Lane) -> Bool {
        if name.hasPrefix(".") || name.hasPrefix("#") || name.hasSuffix("~") { return false }
        let lower = name.lowercased()
        for temporary in [".tmp", ".part", ".partial", ".swp", ".crdownload"] where lower.hasSuffix(temporary) {
            return false
        }
        if sidecarSuffixes.contains(where: { lower.hasSuffix("." + $0) }) { return false }
        return Lane.of(fileName: name) == lane
    }

    /// Eligible files waiting in a lane's drop folder, oldest first (then by name).
    public func pending(_ lane: Lane) throws -> [String] {
        let folder = layout.dropFolder(lane)
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        } catch {
            throw SpoolError(folder.path, "cannot list: \(error.localizedDescription)")
        }
        let eligible = names.filter { Self.isEligible($0, lane: lane) }
        let stamped = eligible.map { name -> (String, Double) in
            var info = stat()
            let time = lstat(folder.appendingPathComponent(name).path, &info) == 0
                ? Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) * 1e-9 : 0
            return (name, time)
        }
        return stamped.sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }.map(\.0)
    }

    /// Claims `name` from a lane's drop folder by renaming it into `work/` under a fresh stem.
    public func claim(_ name: String, lane: Lane) throws -> ClaimResult {
        let source = layout.dropFolder(lane).appendingPathComponent(name)
        var info = stat()
        guard lstat(source.path, &info) == 0 else { return .vanished }
        let type = info.st_mode & S_IFMT
        if type != S_IFREG {
            let reason = type == S_IFLNK ? "symbolic links are refused (they may point outside the spool)"
                                         : "not a regular file"
            try refuse(source, reason: reason)
            return .refused(reason: reason)
        }
        let ext = (name as NSString).pathExtension
        let base = (name as NSString).deletingPathExtension
        for stem in stemCandidates(base) where isFree(stem: stem, ext: ext, lane: lane) {
            let target = layout.work.appendingPathComponent("\(stem).\(ext)")
            if spool_rename_noreplace(source.path, target.path) != 0 {
                if errno == EEXIST { continue }
                if errno == ENOENT { return .vanished }
                throw SpoolError(source.path, "cannot claim: \(String(cString: strerror(errno)))")
            }
            var sidecars: [String] = []
            if lane == .inference {
                for suffix in Self.sidecarSuffixes {
                    let side = layout.inbox.appendingPathComponent("\(base).\(suffix)")
                    let claimed = layout.work.appendingPathComponent("\(stem).\(suffix)")
                    if spool_rename_noreplace(side.path, claimed.path) == 0 { sidecars.append(suffix) }
                }
            }
            try sync(layout.dropFolder(lane), layout.work)
            return .claimed(SpoolItem(lane: lane, droppedName: name, stem: stem, fileExtension: ext,
                                      sidecars: sidecars, layout: layout))
        }
        throw SpoolError(source.path, "no free output name")  // unreachable: candidates are unbounded
    }

    /// Moves a finished item's input (and sidecars) to `done/`, after its outputs are durable.
    @discardableResult
    public func complete(_ item: SpoolItem) throws -> URL {
        try move(item, to: layout.done)
    }

    /// Records why an item failed in `failed/STEM.error.json`, then moves its input there.
    @discardableResult
    public func fail(_ item: SpoolItem, stage: String, error: String) throws -> URL {
        try writeErrorRecord(stem: item.stem, input: item.droppedName, stage: stage, error: error)
        return try move(item, to: layout.failed)
    }

    /// Puts an item back into its drop folder (e.g. on shutdown before it could finish).
    @discardableResult
    public func returnToDropFolder(_ item: SpoolItem) throws -> URL {
        try move(item, to: layout.dropFolder(item.lane))
    }

    /// Items left in `work/` by a previous run (a crash or a kill), to be finished first.
    /// Their stems are kept, so a resumed job finds its checkpoints and a re-run image
    /// overwrites only its own partial outputs.
    public func leftoverItems() throws -> [SpoolItem] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: layout.work.path)
        } catch {
            throw SpoolError(layout.work.path, "cannot list: \(error.localizedDescription)")
        }
        let present = Set(names)
        return names.sorted().compactMap { name in
            guard !name.hasPrefix("."), !Self.sidecarSuffixes.contains(where: { name.hasSuffix("." + $0) }),
                  let lane = Lane.of(fileName: name) else { return nil }
            let stem = (name as NSString).deletingPathExtension
            let sidecars = Self.sidecarSuffixes.filter { present.contains("\(stem).\($0)") }
            return SpoolItem(lane: lane, droppedName: name, stem: stem,
                             fileExtension: (name as NSString).pathExtension, sidecars: sidecars, layout: layout)
        }
    }

    /// Removes temporaries (`.NAME.UUID.tmp`, as `AtomicFile` names them) that a killed run left
    /// in the folders only the daemon writes: `work/`, `done/`, `failed/` and the outputs, and
    /// attempt counters without their item in `work/` (the counter's removal undone by a power
    /// loss while the move survived, or an item taken out by hand), which would otherwise count
    /// against a later file claimed under the same name. Call it at start-up, before any lane
    /// writes. Drop folders are left alone: they belong to users. Returns the removed files.
    @discardableResult
    public func removeStaleTemporaries() -> [URL] {
        var removed: [URL] = []
        let folders = [layout.work, layout.done, layout.failed, layout.out, layout.masks, layout.refined,
                       layout.predictions, layout.logs]
        for folder in folders {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            for name in names {
                let temporary = name.hasPrefix(".") && name.hasSuffix(".tmp")
                let orphanCounter = folder == layout.work && name.hasSuffix(Self.attemptsSuffix)
                    && !names.contains(String(name.dropLast(Self.attemptsSuffix.count)))
                guard temporary || orphanCounter else { continue }
                let url = folder.appendingPathComponent(name)
                if unlink(url.path) == 0 { removed.append(url) }
            }
        }
        return removed
    }

    // MARK: - Attempts

    /// The counter beside a claimed item: `work/STEM.EXT.attempts` (the extension keeps an image
    /// and a job with the same stem apart; no lane claims that extension).
    static let attemptsSuffix = ".attempts"

    private func attemptsFile(_ item: SpoolItem) -> URL {
        layout.work.appendingPathComponent(item.workURL.lastPathComponent + Self.attemptsSuffix)
    }

    /// How many attempts at `item` began and never ended: each ended the process (a crash, a
    /// kill, running out of memory). 0 when none is recorded.
    public func unfinishedAttempts(_ item: SpoolItem) -> Int {
        guard let data = try? Data(contentsOf: attemptsFile(item)) else { return 0 }
        return Int(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }

    /// Records `count` unfinished attempts durably (0 removes the counter). Call it with one more
    /// before processing starts, so the count survives whatever ends the process, and with the
    /// earlier count when an attempt ends cleanly but leaves the item in `work/` (a shutdown).
    public func recordUnfinishedAttempts(_ item: SpoolItem, _ count: Int) throws {
        let file = attemptsFile(item)
        do {
            if count > 0 {
                try AtomicFile.write(Data("\(count)\n".utf8), to: file)
            } else if unlink(file.path) == 0 {
                try AtomicFile.syncDirectory(layout.work)
            }
        } catch {
            throw SpoolError(file.path, "cannot record the attempt: \(error)")
        }
    }

    // MARK: - Internals

    /// `base`, `base-1`, `base-2`, ...
    private func stemCandidates(_ base: String) -> some Sequence<String> {
        (0...).lazy.map { $0 == 0 ? base : "\(base)-\($0)" }
    }

    /// A stem is free when nothing in work/, done/, failed/ or the outputs already uses it.
    private func isFree(stem: String, ext: String, lane: Lane) -> Bool {
        let fm = FileManager.default
        var taken = [layout.work.appendingPathComponent("\(stem).\(ext)"),
                     layout.done.appendingPathComponent("\(stem).\(ext)"),
                     layout.failed.appendingPathComponent("\(stem).\(ext)"),
                     layout.failed.appendingPathComponent("\(stem).error.json")]
        switch lane {
        case .inference: taken.append(layout.logs.appendingPathComponent("\(stem).json"))
        case .training: taken.append(layout.jobOutputs.appendingPathComponent(stem))
        }
        return !taken.contains { fm.fileExists(atPath: $0.path) || isSymlink($0) }
    }

    private func isSymlink(_ url: URL) -> Bool {
        var info = stat()
        return lstat(url.path, &info) == 0 && info.st_mode & S_IFMT == S_IFLNK
    }

    private func move(_ item: SpoolItem, to folder: URL) throws -> URL {
        // The attempts end before the item leaves, so work/ never shows a counter without its
        // item; a kill in between costs at most one more attempt.
        unlink(attemptsFile(item).path)
        let target = try renameNoReplace(item.workURL, into: folder, stem: item.stem, ext: item.fileExtension)
        let finalStem = (target.lastPathComponent as NSString).deletingPathExtension
        for suffix in item.sidecars {
            let side = layout.work.appendingPathComponent("\(item.stem).\(suffix)")
            _ = try? renameNoReplace(side, into: folder, stem: finalStem, ext: suffix)
        }
        try sync(layout.work, folder)
        return target
    }

    /// Renames into `folder` as `stem.ext`, or `stem-N.ext` when that name is taken.
    private func renameNoReplace(_ source: URL, into folder: URL, stem: String, ext: String) throws -> URL {
        for candidate in stemCandidates(stem) {
            let target = folder.appendingPathComponent("\(candidate).\(ext)")
            if spool_rename_noreplace(source.path, target.path) == 0 { return target }
            if errno != EEXIST {
                throw SpoolError(source.path, "cannot move to \(folder.lastPathComponent)/: \(String(cString: strerror(errno)))")
            }
        }
        throw SpoolError(source.path, "no free name in \(folder.path)")  // unreachable
    }

    private func refuse(_ source: URL, reason: String) throws {
        let name = source.lastPathComponent
        let stem = (name as NSString).deletingPathExtension
        try writeErrorRecord(stem: stem, input: name, stage: "claim", error: reason)
        _ = try renameNoReplace(source, into: layout.failed, stem: stem, ext: (name as NSString).pathExtension)
        try sync(source.deletingLastPathComponent(), layout.failed)
    }

    private func writeErrorRecord(stem: String, input: String, stage: String, error: String) throws {
        let record: [String: String] = [
            "input": input, "stage": stage, "error": error,
            "time": ISO8601DateFormatter().string(from: Date()), "version": version,
        ]
        let data = try JSONSerialization.data(withJSONObject: record, options: [.prettyPrinted, .sortedKeys])
        do {
            try AtomicFile.write(data, to: layout.failed.appendingPathComponent("\(stem).error.json"))
        } catch {
            throw SpoolError(layout.failed.path, "cannot record the failure of \(input): \(error)")
        }
    }

    private func sync(_ folders: URL...) throws {
        for folder in folders {
            do { try AtomicFile.syncDirectory(folder) } catch {
                throw SpoolError(folder.path, "cannot fsync: \(error)")
            }
        }
    }
}
