import Foundation

/// `ultrarefiner cancel JOBID`: a queued job is moved to `failed/` at once (by the same atomic
/// claim the daemons use, so exactly one gets it); a running job, whichever instance runs it,
/// gets a cancel request file in `work/` that it honours at its next step, after checkpointing.
public enum JobCancellation {
    /// What cancelling did.
    public enum Result: Sendable, Equatable {
        /// The job had not started; it is now in `failed/` with the reason.
        case cancelledQueued(URL)
        /// The job is running; it will stop at its next step.
        case requested(URL)
    }

    /// Cancels job `jobID` (a job file's stem) in the spool at `layout`.
    public static func cancel(_ jobID: String, layout: SpoolLayout, version: String) throws -> Result {
        guard !jobID.isEmpty, !jobID.contains("/"), !jobID.hasPrefix(".") else {
            throw SpoolError(jobID, "not a job id (the job file's name without .toml/.json)")
        }
        // The claim goes into an area of this command's own, under a lease like a daemon's: if
        // the command dies between claim and failure, a daemon adopts the job once it expires.
        let lease = try SpoolLease(layout: layout, instance: "cancel-\(SpoolLease.hostName)-\(getpid())")
        try lease.acquire()
        defer { lease.release() }
        let queue = SpoolQueue(layout: layout, version: version, instance: lease.instance)
        for name in try queue.pending(.training) where (name as NSString).deletingPathExtension == jobID {
            if case .claimed(let item) = try queue.claim(name, lane: .training) {
                return .cancelledQueued(try queue.fail(item, stage: "queued", error: "cancelled by user before it started"))
            }
        }
        if try queue.claimedItemsOfAllInstances().contains(where: { $0.lane == .training && $0.stem == jobID }) {
            let request = layout.cancelRequest(jobID: jobID)
            let fd = open(request.path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw SpoolError(request.path, "cannot request cancellation: \(String(cString: strerror(errno)))") }
            close(fd)
            return .requested(request)
        }
        throw SpoolError(layout.root.path, "no queued or running job \(jobID)")
    }
}
