import Durable
import Foundation

/// The lease on one daemon instance's claim area `work/INSTANCE/`, so several daemons can share
/// a spool: `lease.json` names the owner, and its modification time is the heartbeat the owner
/// renews every third of the lease. Another instance may adopt the area's items only once the
/// heartbeat is older than the lease; until then they belong to the owner, alive or restarting.
public struct SpoolLease: Sendable {
    /// What `lease.json` records about the owner.
    public struct Record: Codable, Sendable, Equatable {
        public var instance: String
        public var host: String
        public var pid: Int32
        /// When the owner started (ISO 8601), for people reading the file.
        public var started: String
        /// The owner's start in clock ticks since boot (`/proc/PID/stat`), which tells the owner
        /// from a later process that happens to reuse its pid.
        public var processStart: UInt64?
        /// Seconds without renewal after which the area may be adopted. The owner's own setting,
        /// so every reader waits for the period the owner renews for.
        public var leaseSeconds: Double

        enum CodingKeys: String, CodingKey {
            case instance, host, pid, started
            case processStart = "process_start"
            case leaseSeconds = "lease_seconds"
        }
    }

    /// How an area's lease looks to an instance that might adopt it.
    public struct Standing: Sendable, Equatable {
        /// The lease record; nil when the area has none (yet, or any more) or it is unreadable.
        public var record: Record?
        /// Seconds since the last renewal (the area folder's own age when there is no record).
        public var age: Double
        /// No renewal for the lease period: the area's items may be adopted.
        public var expired: Bool
    }

    /// Another live process holds the lease on this instance id: starting would take its items
    /// from under it. A configuration error (two daemons given the same id), unlike a lease that
    /// cannot be written (a full disk), which is retried.
    public struct Conflict: Error, CustomStringConvertible, Sendable, Equatable {
        public let description: String
    }

    /// The lease file in every area.
    public static let fileName = "lease.json"
    /// `[spool] lease_seconds` when the config leaves it out.
    public static let defaultSeconds: Double = 60

    public let layout: SpoolLayout
    /// The instance id, the area's folder name.
    public let instance: String
    /// The lease period this owner promises to renew within.
    public let seconds: Double

    /// `work/INSTANCE/`.
    public var area: URL { layout.workArea(instance) }
    /// `work/INSTANCE/lease.json`.
    public var file: URL { area.appendingPathComponent(Self.fileName) }

    /// A lease for `instance` (checked to be a usable folder name) on the spool at `layout`.
    public init(layout: SpoolLayout, instance: String, seconds: Double = defaultSeconds) throws {
        try Self.validate(instance: instance)
        guard seconds > 0, seconds.isFinite else {
            throw SpoolError(instance, "the lease must last a positive number of seconds, not \(seconds)")
        }
        self.layout = layout
        self.instance = instance
        self.seconds = seconds
    }

    /// This machine's host name, the default instance id.
    public static var hostName: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let name = String(cString: buffer)
        return name.isEmpty ? "localhost" : name
    }

    /// Instance ids name a folder in `work/`: letters, digits, `.`, `_` and `-`, not starting
    /// with a dot (dotfiles in `work/` are the spool's own), at most 200 characters.
    public static func validate(instance: String) throws {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        guard !instance.isEmpty, instance.count <= 200, !instance.hasPrefix("."), instance.allSatisfy(allowed.contains) else {
            throw SpoolError(instance, "not an instance id (1–200 letters, digits, '.', '_' or '-', not starting with '.')")
        }
    }

    /// The lease of area `instance` as of `now`; nil when the area does not exist. Areas without
    /// a readable record are aged by their folder and `defaultSeconds`.
    public static func standing(of instance: String, layout: SpoolLayout, defaultSeconds: Double,
                                now: Date = Date()) -> Standing? {
        let area = layout.workArea(instance)
        let file = area.appendingPathComponent(fileName)
        let record = (try? Data(contentsOf: file)).flatMap { try? JSONDecoder().decode(Record.self, from: $0) }
        guard let changed = modificationTime(record != nil ? file : area)
                ?? modificationTime(area) else { return nil }
        let age = now.timeIntervalSince1970 - changed
        return Standing(record: record, age: age, expired: age >= (record?.leaseSeconds ?? defaultSeconds))
    }

    /// Takes the area for this process: creates it and writes a fresh record. A fresh lease of
    /// another live process with this id (on this host, or any lease from another host) throws
    /// `Conflict`; a lease whose owner has died is taken over at once, since nobody else may
    /// have its items yet and waiting would only delay their recovery.
    public func acquire() throws {
        do {
            try FileManager.default.createDirectory(at: area, withIntermediateDirectories: true)
        } catch {
            throw SpoolError(area.path, "cannot create the claim area: \(error.localizedDescription)")
        }
        let host = Self.hostName
        if let standing = Self.standing(of: instance, layout: layout, defaultSeconds: seconds),
           let holder = standing.record, !standing.expired, holder.host != host || holder.pid != getpid() {
            if holder.host != host {
                throw Conflict(description: "\(file.path): instance id \(instance) holds a live lease from host \(holder.host) (renewed \(Int(standing.age)) s ago): give each daemon on this spool its own --instance")
            }
            if Self.isRunning(pid: holder.pid, processStart: holder.processStart) {
                throw Conflict(description: "\(file.path): another instance with id \(instance) is running (pid \(holder.pid)): give each daemon on this spool its own --instance")
            }
        }
        try write()
    }

    /// The heartbeat: sets the lease's modification time to now (one atomic `utimensat`). A
    /// lease that has vanished (another instance adopted the area while this one was stalled
    /// past the lease) is written again; returns false then, so the owner can say so.
    @discardableResult
    public func renew() throws -> Bool {
        if utimensat(AT_FDCWD, file.path, nil, 0) == 0 { return true }
        guard errno == ENOENT else {
            throw SpoolError(file.path, "cannot renew the lease: \(String(cString: strerror(errno)))")
        }
        try acquire()
        return false
    }

    /// On a clean stop: removes the lease and the area when no item is left in it. An area that
    /// still holds an interrupted job keeps its lease, so that either this instance resumes the
    /// job at its next start or, once the lease expires, another one does.
    public func release() {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: area.path)) ?? []
        guard names.allSatisfy({ $0 == Self.fileName || $0.hasPrefix(".") }) else { return }
        for name in names { unlink(area.appendingPathComponent(name).path) }
        rmdir(area.path)
    }

    // MARK: - Internals

    private func write() throws {
        let record = Record(instance: instance, host: Self.hostName, pid: getpid(),
                            started: ISO8601DateFormatter().string(from: Date()),
                            processStart: Self.processStart(pid: getpid()), leaseSeconds: seconds)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(record), to: file)
    }

    /// Whether process `pid` on this host is the one that wrote the lease.
    static func isRunning(pid: Int32, processStart: UInt64?) -> Bool {
        guard let start = Self.processStart(pid: pid) else { return false }
        return processStart.map { $0 == start } ?? true
    }

    /// Field 22 of `/proc/PID/stat`; nil when there is no such process. The command name
    /// (field 2) may hold spaces and parentheses, so fields are counted after its last `)`.
    static func processStart(pid: Int32) -> UInt64? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        return fields.count > 19 ? UInt64(fields[19]) : nil
    }

    private static func modificationTime(_ url: URL) -> Double? {
        var info = stat()
        guard lstat(url.path, &info) == 0 else { return nil }
        return Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) * 1e-9
    }
}
