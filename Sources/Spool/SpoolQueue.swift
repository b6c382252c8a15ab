import CInotify
import Durable
import Foundation

/// One input the daemon has claimed: it lives in its instance's area `work/INSTANCE/` under a
/// stem that is unique across the spool (every instance's area included), so its outputs never
/// overwrite those of another file with the same name.
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
    /// The claim area holding it, `work/INSTANCE/`.
    let area: URL

    /// The id of the instance whose area holds it.
    public var instance: String { area.lastPathComponent }

    /// The claimed file in its area.
    public var workURL: URL { area.appendingPathComponent("\(stem).\(fileExtension)") }

    /// A correction request: a `NAME.points.json` dropped alone after NAME's mask exists,
    /// claimed under NAME itself (it updates NAME's outputs) with extension `points.json`.
    public var isCorrection: Bool { fileExtension == SpoolQueue.correctionSuffix }

    /// A claimed sidecar in its area, e.g. `sidecar("box.json")`, if one was dropped.
    public func sidecar(_ suffix: String) -> URL? {
        sidecars.contains(suffix) ? area.appendingPathComponent("\(stem).\(suffix)") : nil
    }
}

/// What happened to a claim attempt.
public enum ClaimResult: Sendable, Equatable {
    case claimed(SpoolItem)
    /// The file was gone (another claimer, or the user took it back).
    case vanished
    /// The entry was not a regular file (a symlink, a folder): moved to `failed/` with a reason.
    case refused(reason: String)
    /// A correction request for an image whose previous request is still being processed: it
    /// stays in the inbox for a later pass.
    case busy
}

/// Items moved from one expired claim area into this instance's.
public struct AdoptedArea: Sendable, Equatable {
    /// The instance that owned them (`""`: `work/` itself, as versions before areas left it).
    public var instance: String
    /// The names moved, items and whatever lay beside them (sidecars).
    public var names: [String]
}

/// The durable on-disk queue: files move between folders only by rename(2), never by copy,
/// so an input exists in exactly one place at any instant and survives any crash. Each daemon
/// instance claims into its own area `work/INSTANCE/` (see `SpoolLease`).
public struct SpoolQueue: Sendable {
    public let layout: SpoolLayout
    /// The daemon version recorded in error files.
    public let version: String
    /// The instance that claims through this queue; its area is `work/INSTANCE/`.
    public let instance: String

    /// Sidecar suffixes that travel with an image (prompt overrides for interactive correction).
    public static let sidecarSuffixes = ["box.json", "points.json"]

    /// A points sidecar dropped alone, for an image whose mask is already in `out/masks/`, is
    /// a correction request (a round of the GRU corrector) rather than a prompt override.
    public static let correctionSuffix = "points.json"

    public init(layout: SpoolLayout, version: String, instance: String = SpoolLease.hostName) {
        self.layout = layout
        self.version = version
        self.instance = instance
    }

    /// This instance's claim area.
    public var area: URL { layout.workArea(instance) }

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
        var eligible = names.filter { Self.isEligible($0, lane: lane) }
        if lane == .inference { eligible += correctionRequests(among: names) }
        let stamped = eligible.map { name -> (String, Double) in
            var info = stat()
            let time = lstat(folder.appendingPathComponent(name).path, &info) == 0
                ? Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) * 1e-9 : 0
            return (name, time)
        }
        return stamped.sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }.map(\.0)
    }

    /// The `NAME.points.json` files among the inbox's `names` that are correction requests:
    /// no image of that stem waits beside them (then they are its prompt override) and
    /// `out/masks/NAME.png` exists.
    func correctionRequests(among names: [String]) -> [String] {
        let suffix = "." + Self.correctionSuffix
        let images = Set(names.filter { Self.isEligible($0, lane: .inference) }.map { ($0 as NSString).deletingPathExtension })
        return names.filter { name in
            guard name.hasSuffix(suffix), !name.hasPrefix("."), name.count > suffix.count else { return false }
            let stem = String(name.dropLast(suffix.count))
            return !images.contains(stem) && FileManager.default.fileExists(atPath: layout.masks.appendingPathComponent("\(stem).png").path)
        }
    }

    /// Claims `name` from a lane's drop folder by renaming it into this instance's area under a
    /// stem no instance uses; a correction request keeps its stem (it names the outputs it
    /// updates) and waits in the inbox while another request for the same image is claimed.
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
        if lane == .inference && name.hasSuffix("." + Self.correctionSuffix) && !correctionRequests(among: [name]).isEmpty {
            return try claimCorrection(name, from: source)
        }
        let ext = (name as NSString).pathExtension
        let base = (name as NSString).deletingPathExtension
        try createArea()
        let claimedStem: String? = try withClaimLock {
            let areas = [layout.work] + ((try? layout.claimAreas()) ?? []).map(layout.workArea)
            for stem in stemCandidates(base) where isFree(stem: stem, ext: ext, lane: lane, areas: areas) {
                let target = area.appendingPathComponent("\(stem).\(ext)")
                if spool_rename_noreplace(source.path, target.path) == 0 { return stem }
                if errno == EEXIST { continue }
                if errno == ENOENT { return nil }
                throw SpoolError(source.path, "cannot claim: \(String(cString: strerror(errno)))")
            }
            throw SpoolError(source.path, "no free output name")  // unreachable: candidates are unbounded
        }
        guard let stem = claimedStem else { return .vanished }
        var sidecars: [String] = []
        if lane == .inference {
            for suffix in Self.sidecarSuffixes {
                let side = layout.inbox.appendingPathComponent("\(base).\(suffix)")
                let claimed = area.appendingPathComponent("\(stem).\(suffix)")
                if spool_rename_noreplace(side.path, claimed.path) == 0 { sidecars.append(suffix) }
            }
        }
        try sync(layout.dropFolder(lane), area)
        return .claimed(SpoolItem(lane: lane, droppedName: name, stem: stem, fileExtension: ext,
                                  sidecars: sidecars, area: area))
    }

    /// Claims the correction request `name` (`NAME.points.json`) as stem NAME, unless a request
    /// for NAME is already claimed in some area: rounds of one image run one at a time.
    private func claimCorrection(_ name: String, from source: URL) throws -> ClaimResult {
        let stem = String(name.dropLast(Self.correctionSuffix.count + 1))
        try createArea()
        let claimed: Bool? = try withClaimLock {
            let areas = [layout.work] + ((try? layout.claimAreas()) ?? []).map(layout.workArea)
            if areas.contains(where: { FileManager.default.fileExists(atPath: $0.appendingPathComponent(name).path) }) { return false }
            if spool_rename_noreplace(source.path, area.appendingPathComponent(name).path) == 0 { return true }
            if errno == ENOENT { return nil }
            if errno == EEXIST { return false }
            throw SpoolError(source.path, "cannot claim: \(String(cString: strerror(errno)))")
        }
        guard let claimed else { return .vanished }
        guard claimed else { return .busy }
        try sync(layout.inbox, area)
        return .claimed(SpoolItem(lane: .inference, droppedName: name, stem: stem, fileExtension: Self.correctionSuffix,
                                  sidecars: [], area: area))
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

    /// Items in this instance's area left by a previous run (a crash or a kill) or adopted
    /// from an expired area, to be finished first. Their stems are kept, so a resumed job finds
    /// its checkpoints and a re-run image overwrites only its own partial outputs.
    public func leftoverItems() throws -> [SpoolItem] {
        try items(in: area)
    }

    /// The claimed items of every instance, by instance id, then name (for status and cancel).
    public func claimedItemsOfAllInstances() throws -> [SpoolItem] {
        try layout.claimAreas().flatMap { try items(in: layout.workArea($0)) }
    }

    /// Moves into this instance's area the items (with their sidecars) of every other area whose
    /// lease has expired, and of `work/` itself (left there by a version before areas), then
    /// removes the emptied areas. Each item moves by one rename, so when several instances adopt
    /// at once, each file goes to exactly one of them. Areas without a readable lease are aged
    /// by their folder's modification time against `defaultLeaseSeconds`.
    public func adoptExpiredAreas(defaultLeaseSeconds: Double, now: Date = Date()) throws -> [AdoptedArea] {
        try createArea()
        // Under the claim lock, so a concurrent claim never checks an area for a stem just as
        // the item holding it moves between areas.
        return try withClaimLock {
            var adopted: [AdoptedArea] = []
            let legacy = try entries(of: layout.work).filter { name in
                var info = stat()
                // Files only: an instance id may end in `.png` too.
                return lstat(layout.work.appendingPathComponent(name).path, &info) == 0 && info.st_mode & S_IFMT == S_IFREG
                    && (Lane.of(fileName: name) != nil || Self.sidecarSuffixes.contains { name.hasSuffix("." + $0) })
            }
            if !legacy.isEmpty { adopted.append(AdoptedArea(instance: "", names: try moveIntoArea(legacy, from: layout.work))) }
            for owner in try layout.claimAreas() where owner != instance {
                guard let standing = SpoolLease.standing(of: owner, layout: layout, defaultSeconds: defaultLeaseSeconds, now: now),
                      standing.expired else { continue }
                let folder = layout.workArea(owner)
                let moved = try moveIntoArea(try entries(of: folder).filter { $0 != SpoolLease.fileName }, from: folder)
                // Only once nothing is left: a crash before this leaves the expired lease, and
                // the next adoption finishes the move. An owner that was merely stalled writes
                // its lease again at its next renewal.
                if try entries(of: folder).allSatisfy({ $0 == SpoolLease.fileName }) {
                    for name in allEntries(of: folder) { unlink(folder.appendingPathComponent(name).path) }
                    rmdir(folder.path)
                }
                if !moved.isEmpty { adopted.append(AdoptedArea(instance: owner, names: moved)) }
            }
            if !adopted.isEmpty { try sync(layout.work, area) }
            return adopted
        }
    }

    /// Removes temporaries (`.NAME.UUID.tmp`, as `AtomicFile` names them) that a killed run left
    /// in the folders only daemons write: `work/` and this instance's area, `done/`, `failed/`
    /// and the outputs, and attempt counters in this instance's area without their item (the
    /// counter's removal undone by a power loss while the move survived, or an item taken out
    /// by hand), which would otherwise count against a later file claimed under the same name.
    /// Call it at start-up, before any lane writes. While another instance holds a fresh lease,
    /// its writes may be in flight, so only temporaries untouched for `leaseSeconds` go. Drop
    /// folders are left alone: they belong to users. Returns the removed files.
    @discardableResult
    public func removeStaleTemporaries(leaseSeconds: Double) -> [URL] {
        let othersLive = ((try? layout.claimAreas()) ?? []).contains { owner in
            owner != instance
                && SpoolLease.standing(of: owner, layout: layout, defaultSeconds: leaseSeconds).map { !$0.expired } == true
        }
        let now = Date().timeIntervalSince1970
        var removed: [URL] = []
        let folders = [layout.work, area, layout.done, layout.failed, layout.out, layout.masks, layout.refined,
                       layout.predictions, layout.logs]
        for folder in folders {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            for name in names {
                let temporary = name.hasPrefix(".") && name.hasSuffix(".tmp")
                let orphanCounter = folder == area && name.hasSuffix(Self.attemptsSuffix)
                    && !names.contains(String(name.dropLast(Self.attemptsSuffix.count)))
                guard temporary || orphanCounter else { continue }
                let url = folder.appendingPathComponent(name)
                var info = stat()
                guard lstat(url.path, &info) == 0 else { continue }
                if othersLive && now - Double(info.st_mtim.tv_sec) < leaseSeconds { continue }
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
        item.workURL.deletingLastPathComponent().appendingPathComponent(item.workURL.lastPathComponent + Self.attemptsSuffix)
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

    /// A stem is free when nothing in `areas` (every instance's, and `work/` itself), done/,
    /// failed/ or the outputs already uses it. The areas come first: an item only moves forward
    /// (area, then done/ or failed/), so checking in that order cannot miss one that moves
    /// during the check.
    private func isFree(stem: String, ext: String, lane: Lane, areas: [URL]) -> Bool {
        let fm = FileManager.default
        var taken = areas.map { $0.appendingPathComponent("\(stem).\(ext)") }
        taken += [layout.done.appendingPathComponent("\(stem).\(ext)"),
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
            let side = item.area.appendingPathComponent("\(item.stem).\(suffix)")
            _ = try? renameNoReplace(side, into: folder, stem: finalStem, ext: suffix)
        }
        try sync(item.area, folder)
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

    /// The claimed items in an area, sorted by name, with the sidecars found beside them.
    private func items(in folder: URL) throws -> [SpoolItem] {
        let names = try entries(of: folder)
        let present = Set(names)
        return names.compactMap { name in
            // A points file without its image is a claimed correction request.
            let correction = "." + Self.correctionSuffix
            if name.hasSuffix(correction), name.count > correction.count {
                let stem = String(name.dropLast(correction.count))
                guard !present.contains(where: { ($0 as NSString).deletingPathExtension == stem && Lane.of(fileName: $0) == .inference })
                else { return nil }
                return SpoolItem(lane: .inference, droppedName: name, stem: stem, fileExtension: Self.correctionSuffix,
                                 sidecars: [], area: folder)
            }
            // The lease would pass for a JSON job; a job dropped under that name gets another stem.
            guard name != SpoolLease.fileName, !Self.sidecarSuffixes.contains(where: { name.hasSuffix("." + $0) }),
                  let lane = Lane.of(fileName: name) else { return nil }
            let stem = (name as NSString).deletingPathExtension
            let sidecars = Self.sidecarSuffixes.filter { present.contains("\(stem).\($0)") }
            return SpoolItem(lane: lane, droppedName: name, stem: stem,
                             fileExtension: (name as NSString).pathExtension, sidecars: sidecars, area: folder)
        }
    }

    /// The names in `folder` that are not dotfiles, sorted; none when the folder is gone (an
    /// area another instance has just adopted and removed).
    private func entries(of folder: URL) throws -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: folder.path)
                .filter { !$0.hasPrefix(".") }.sorted()
        } catch {
            if !FileManager.default.fileExists(atPath: folder.path) { return [] }
            throw SpoolError(folder.path, "cannot list: \(error.localizedDescription)")
        }
    }

    private func allEntries(of folder: URL) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
    }

    /// Renames `names` from `folder` into this instance's area under the same names (stems are
    /// unique across areas). A name another adopter took first is skipped; one that exists in
    /// the area already stays where it is, never overwriting. Returns the names moved.
    private func moveIntoArea(_ names: [String], from folder: URL) throws -> [String] {
        try names.filter { name in
            if spool_rename_noreplace(folder.appendingPathComponent(name).path, area.appendingPathComponent(name).path) == 0 {
                return true
            }
            if errno == ENOENT || errno == EEXIST { return false }
            throw SpoolError(folder.appendingPathComponent(name).path,
                             "cannot adopt into \(instance)/: \(String(cString: strerror(errno)))")
        }
    }

    /// Creates this instance's area if it is missing (a queue used without a lease, or an area
    /// another instance removed while this one was stalled).
    private func createArea() throws {
        if mkdir(area.path, 0o755) != 0 && errno != EEXIST {
            throw SpoolError(area.path, "cannot create the claim area: \(String(cString: strerror(errno)))")
        }
    }

    /// Runs `body` holding the spool-wide claim lock (`layout.claimLock`), which serialises
    /// the choice of stems across instances: a stem checked free must still be free when the
    /// rename lands. flock(2) works across NFSv4 and CephFS clients, and the kernel drops it
    /// when its holder dies, so a killed daemon never leaves it held.
    private func withClaimLock<T>(_ body: () throws -> T) throws -> T {
        let path = layout.claimLock.path
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SpoolError(path, "cannot open the claim lock: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            if errno != EINTR { throw SpoolError(path, "cannot lock: \(String(cString: strerror(errno)))") }
        }
        return try body()
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
