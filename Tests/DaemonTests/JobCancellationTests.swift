import Daemon
import Foundation
import Spool
import TestSupport
import Testing

/// `ultrarefiner cancel` and `status` against a spool, without a daemon.
struct JobCancellationTests {
    private func spoolWithJob(_ name: String) throws -> SpoolLayout {
        let layout = SpoolLayout(root: try TestPaths.temporaryDirectory("cancel"))
        try layout.createSkeleton()
        try drop(Data("stage = \"prepare\"\nraw = \"raw\"\n".utf8), as: name, into: layout.jobs)
        return layout
    }

    @Test func aQueuedJobMovesToFailedWithTheReason() throws {
        let layout = try spoolWithJob("nightly.toml")
        let result = try JobCancellation.cancel("nightly", layout: layout, version: "test")
        #expect(result == .cancelledQueued(layout.failed.appendingPathComponent("nightly.toml")))
        #expect(files(in: layout.jobs).isEmpty)
        #expect(files(in: layout.work).isEmpty, "the command's own claim area is gone again")
        let record = try String(contentsOf: layout.failed.appendingPathComponent("nightly.error.json"), encoding: .utf8)
        #expect(record.contains("cancelled by user"))
        let status = try SpoolStatus.read(layout)
        #expect(status.failed.map(\.name) == ["nightly.toml"] && status.failed.first?.stage == "queued")
        #expect(status.failed.first?.error == "cancelled by user before it started")
    }

    @Test func aRunningJobGetsACancelRequestThatStatusShows() throws {
        let layout = try spoolWithJob("long.toml")
        guard case .claimed(let item) = try SpoolQueue(layout: layout, version: "test").claim("long.toml", lane: .training) else {
            Issue.record("not claimed"); return
        }
        let result = try JobCancellation.cancel("long", layout: layout, version: "test")
        #expect(result == .requested(layout.cancelRequest(jobID: item.stem)))
        let control = JobControl(jobID: "long", layout: layout, isStopping: { false }, onProgress: { _ in })
        #expect(throws: JobInterruption.cancelled) { try control.checkInterruption() }
        let status = try SpoolStatus.read(layout)
        #expect(status.running.map(\.name) == ["long.toml"] && status.running[0].cancelRequested)
        #expect(status.running[0].instance == SpoolLease.hostName)
        #expect(status.report().contains("long.toml [training] on \(SpoolLease.hostName) (cancel requested)"))
    }

    @Test func unknownJobsAndPathLikeIDsAreRefused() throws {
        let layout = try spoolWithJob("a.toml")
        #expect(throws: SpoolError.self) { try JobCancellation.cancel("b", layout: layout, version: "test") }
        #expect(throws: SpoolError.self) { try JobCancellation.cancel("../a", layout: layout, version: "test") }
        #expect(files(in: layout.jobs) == ["a.toml"])
    }
}
