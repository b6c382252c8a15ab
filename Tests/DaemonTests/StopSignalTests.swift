import Datasets
import Foundation
import Spool
import Testing
import TestSupport

extension DaemonProcessTests {
/// SIGTERM as systemd sends it (`systemctl stop`, a reboot) to a daemon started as systemd starts
/// it: an empty signal mask, no thread-count overrides, so OpenBLAS and the lanes start the thread
/// pools a real service has. In every state the daemon must log the stop and exit 0, never die
/// of the signal (exit 143) with the current item unfinished or a job not checkpointed.
@Suite struct StopSignalTests {
    /// Every thread must leave the stop and reload signals to the main loop's signalfd: one that
    /// does not would take a SIGTERM and end the process with the default action.
    private func expectEveryThreadBlocksTheStopSignals(_ daemon: DaemonProcess,
                                                      sourceLocation: SourceLocation = #_sourceLocation) {
        let threads = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(daemon.pid)/task")) ?? []
        // The main loop and the two lanes at least (OpenBLAS adds its pool on a multi-core machine).
        #expect(threads.count >= 3, "threads: \(threads)", sourceLocation: sourceLocation)
        for signal in [SIGTERM, SIGHUP, SIGINT] {
            #expect(daemon.threadsNotBlocking(signal).isEmpty,
                    "threads that would take signal \(signal): \(daemon.threadsNotBlocking(signal))",
                    sourceLocation: sourceLocation)
        }
    }

    private func expectCleanStop(_ daemon: DaemonProcess, sourceLocation: SourceLocation = #_sourceLocation) {
        daemon.signal(SIGTERM)
        let status = daemon.waitForExit(timeout: 120)
        #expect(status == 0, "exit status \(String(describing: status)); log:\n\(daemon.log)", sourceLocation: sourceLocation)
        #expect(daemon.log.contains("stopping:") && daemon.log.contains("<5>stopped"), "log:\n\(daemon.log)",
                sourceLocation: sourceLocation)
    }

    /// Starts the daemon as deployed, and once its `STATUS=` shows `state`, checks the threads'
    /// masks and stops it with SIGTERM.
    private func stopWhenStatusShows(_ state: String, spool: URL,
                                     sourceLocation: SourceLocation = #_sourceLocation) throws -> DaemonProcess {
        let receiver = try DatagramReceiver()
        let daemon = try DaemonProcess(spool: spool, environment: ["NOTIFY_SOCKET": receiver.path], asDeployed: true)
        let status = receiver.receive(until: { $0.contains(state) }, timeout: 60)
        try #require(status.contains { $0.contains(state) }, "STATUS: \(status); log:\n\(daemon.log)",
                     sourceLocation: sourceLocation)
        expectEveryThreadBlocksTheStopSignals(daemon, sourceLocation: sourceLocation)
        expectCleanStop(daemon, sourceLocation: sourceLocation)
        return daemon
    }

    @Test func sigtermWhileIdleStopsCleanly() throws {
        let spool = try TestPaths.temporaryDirectory("stop-idle").appendingPathComponent("spool")
        let daemon = try DaemonProcess(spool: spool, asDeployed: true)
        try #require(eventually { daemon.log.contains("watching") }, "log:\n\(daemon.log)")
        expectEveryThreadBlocksTheStopSignals(daemon)
        expectCleanStop(daemon)
    }

    @Test func sigtermWhileAnImageIsRefinedFinishesThatImageFirst() throws {
        let spool = try TestPaths.temporaryDirectory("stop-refining").appendingPathComponent("spool")
        let layout = SpoolLayout(root: spool)
        try layout.createSkeleton()
        // Large frames, so an image is in flight for a good while, and enough of them (about
        // 0.25 s each with the test models) that one still is when the signal lands.
        let names = (0..<12).map { "large \($0).png" }
        for (index, name) in names.enumerated() {
            try drop(try TestWeights.phantomPNG(index, width: 1600, height: 1200), as: name, into: layout.inbox)
        }
        let daemon = try stopWhenStatusShows("inference: refining", spool: spool)

        // The image in flight when the signal came was finished (logged after the stop began)
        // with all its outputs; the rest wait in inbox/, and nothing is left half-done in work/.
        let log = daemon.log
        let stopping = try #require(log.range(of: "stopping:"))
        #expect(log[stopping.upperBound...].contains("refined large"), "log:\n\(log)")
        let done = files(in: layout.done)
        #expect(!done.isEmpty && Set(done + files(in: layout.inbox)) == Set(names), "done \(done), inbox \(files(in: layout.inbox))")
        #expect(allEntries(in: layout.work) == [layout.claimLock.lastPathComponent], "work/: \(allEntries(in: layout.work))")
        for name in done {
            let stem = (name as NSString).deletingPathExtension
            #expect(files(in: layout.masks).contains("\(stem).png") && files(in: layout.logs).contains("\(stem).json"))
        }
    }

    @Test func sigtermDuringTrainingCheckpointsTheJobWhichResumesAtTheNextStart() throws {
        let fixture = try TrainingSpool("stop-training")
        let (spool, layout) = (fixture.spool, fixture.layout)
        // Where the daemon looks for datasets by default: datasets/ beside the spool.
        _ = try DatasetPreparation.prepare(PreparationOptions(raw: fixture.raw, name: "PH",
                                                              output: fixture.root.appendingPathComponent("datasets")))
        try drop(Data(TrainingSpool.trainJob(epochs: 200).utf8), as: "train.toml", into: layout.jobs)

        let daemon = try stopWhenStatusShows("training: fold 0 (1/1) epoch", spool: spool)
        #expect(daemon.log.contains("train.toml interrupted by shutdown"), "log:\n\(daemon.log)")
        #expect(claimedFiles(layout) == ["\(SpoolLease.hostName)/train.toml"], "an interrupted job stays in its area")
        let checkpoint = layout.jobOutputs.appendingPathComponent("train/fold0/checkpoint.safetensors")
        #expect(FileManager.default.fileExists(atPath: checkpoint.path), "the job was checkpointed")

        let restarted = try DaemonProcess(spool: spool, asDeployed: true)
        #expect(eventually { restarted.log.contains("resuming train.toml") }, "log:\n\(restarted.log)")
        expectCleanStop(restarted)
        #expect(claimedFiles(layout) == ["\(SpoolLease.hostName)/train.toml"])
    }
}
}
