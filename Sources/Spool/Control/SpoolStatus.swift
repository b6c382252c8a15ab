import Foundation

/// What `ultrarefiner status` shows: the spool's folders read directly, so it works whether or
/// not the daemon runs, plus each running job's `progress.json`.
public struct SpoolStatus: Sendable {
    /// One running item: its file in an instance's area and, for a job, the last progress it reported.
    public struct Running: Sendable, Equatable {
        public var name: String
        public var lane: Lane
        /// The daemon instance whose area holds it.
        public var instance: String
        public var progress: String?
        public var cancelRequested: Bool
    }

    /// One failed input and the reason from its `NAME.error.json`.
    public struct Failure: Sendable, Equatable {
        public var name: String
        public var stage: String
        public var error: String
    }

    public var queuedImages: [String]
    public var queuedJobs: [String]
    public var running: [Running]
    public var done: [String]
    public var failed: [Failure]

    /// Reads the spool at `layout`.
    public static func read(_ layout: SpoolLayout) throws -> SpoolStatus {
        let queue = SpoolQueue(layout: layout, version: "")
        let running = try queue.claimedItemsOfAllInstances().map { item in
            Running(name: item.droppedName, lane: item.lane, instance: item.instance,
                    progress: item.lane == .training ? progressSummary(jobID: item.stem, layout: layout) : nil,
                    cancelRequested: FileManager.default.fileExists(atPath: layout.cancelRequest(jobID: item.stem).path))
        }
        let failedNames = try inputs(in: layout.failed)
        let failures = failedNames.map { name -> Failure in
            let stem = (name as NSString).deletingPathExtension
            let record = (try? Data(contentsOf: layout.failed.appendingPathComponent("\(stem).error.json")))
                .flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] } ?? [:]
            return Failure(name: name, stage: record["stage"] as? String ?? "?",
                           error: record["error"] as? String ?? "no error record")
        }
        return SpoolStatus(queuedImages: try queue.pending(.inference), queuedJobs: try queue.pending(.training),
                           running: running, done: try inputs(in: layout.done), failed: failures)
    }

    /// A plain-text report, newest-last within each section, at most `limit` names per list.
    public func report(limit: Int = 20) -> String {
        var lines: [String] = []
        func section(_ title: String, _ items: [String]) {
            lines.append("\(title): \(items.count)")
            for item in items.suffix(limit) { lines.append("  \(item)") }
            if items.count > limit { lines.append("  … and \(items.count - limit) more") }
        }
        section("queued images", queuedImages)
        section("queued jobs", queuedJobs)
        section("running", running.map { r in
            var text = "\(r.name) [\(r.lane.rawValue)] on \(r.instance)"
            if let progress = r.progress { text += " \(progress)" }
            if r.cancelRequested { text += " (cancel requested)" }
            return text
        })
        section("done", done)
        section("failed", failed.map { "\($0.name) [\($0.stage)] \($0.error)" })
        return lines.joined(separator: "\n")
    }

    /// Input files (not error records or sidecars) in a folder, sorted by name.
    private static func inputs(in folder: URL) throws -> [String] {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: folder.path) } catch {
            throw SpoolError(folder.path, "cannot list: \(error.localizedDescription)")
        }
        return names.filter { name in
            !name.hasPrefix(".") && !name.hasSuffix(".error.json")
                && !SpoolQueue.sidecarSuffixes.contains { name.hasSuffix("." + $0) }
        }.sorted()
    }

    private static func progressSummary(jobID: String, layout: SpoolLayout) -> String? {
        guard let data = try? Data(contentsOf: layout.progressFile(jobID: jobID)),
              let record = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        return record["summary"] as? String
    }
}
