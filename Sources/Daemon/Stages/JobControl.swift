import Durable
import Formats
import Foundation
import Spool

/// Why a running job was told to stop.
public enum JobInterruption: Error, Sendable, Equatable {
    /// The daemon is shutting down: checkpoint and stay in `work/` for the next start.
    case shutdown
    /// `ultrarefiner cancel JOBID`: stop and move the job to `failed/`.
    case cancelled
}

/// What a running job consults between steps: whether it must stop (shutdown or a cancel
/// request file `work/JOBID.cancel`), and where its progress goes (`out/jobs/JOBID/progress.json`,
/// read by `ultrarefiner status`, and the daemon's `STATUS=` line).
public final class JobControl: @unchecked Sendable {
    /// The job's stem.
    public let jobID: String
    private let layout: SpoolLayout
    private let isStopping: @Sendable () -> Bool
    private let onProgress: @Sendable (String) -> Void
    private let setMonitored: @Sendable (Bool) -> Void
    private let lock = NSLock()
    private var lastWrite: Date = .distantPast

    public init(jobID: String, layout: SpoolLayout, isStopping: @escaping @Sendable () -> Bool,
                setMonitored: @escaping @Sendable (Bool) -> Void = { _ in },
                onProgress: @escaping @Sendable (String) -> Void) {
        self.jobID = jobID
        self.layout = layout
        self.isStopping = isStopping
        self.setMonitored = setMonitored
        self.onProgress = onProgress
    }

    /// Runs a bounded step that cannot report progress (dataset preparation) outside the
    /// watchdog's supervision.
    public func unmonitored<T>(_ body: () throws -> T) rethrows -> T {
        setMonitored(false)
        defer { setMonitored(true) }
        return try body()
    }

    /// Throws when the job must stop; cancellation wins over shutdown, so a cancelled job is not resumed.
    public func checkInterruption() throws(JobInterruption) {
        if FileManager.default.fileExists(atPath: layout.cancelRequest(jobID: jobID).path) {
            throw .cancelled
        }
        if isStopping() { throw .shutdown }
    }

    /// Publishes progress: a one-line summary for `STATUS=` and the fields for `progress.json`
    /// (written at most every two seconds; it is informational, so a failed write is ignored).
    public func report(_ summary: String, fields: [String: Any] = [:], force: Bool = false) {
        onProgress(summary)
        lock.lock()
        let due = force || Date().timeIntervalSince(lastWrite) >= 2
        if due { lastWrite = Date() }
        lock.unlock()
        guard due else { return }
        var record = fields
        record["job"] = jobID
        record["summary"] = summary
        record["updated"] = ISO8601DateFormatter().string(from: Date())
        if let data = try? JSONSerialization.data(withJSONObject: record, options: [.sortedKeys]) {
            try? AtomicFile.write(data, to: layout.progressFile(jobID: jobID))
        }
    }

    /// Removes the cancel request once the cancellation has been carried out.
    public func clearCancelRequest() {
        unlink(layout.cancelRequest(jobID: jobID).path)
    }
}
