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
        // Large frames, so an image is in flight for a good while; more than one, so one always is.
        let names = (0..<4).map { "large \($0).png" }
        for (index, name) in names.enumerated() {
            try drop(try TestWeights.phantomPNG(index, width: 1600, height: 1200), as: name, into: layout.inbox)
        }
        let receiver = try DatagramReceiver()
        let daemon = try DaemonProcess(spool: spool, environment: ["NOTIFY_SOCKET": receiver.path], asDeployed: true)
        let status = receiver.receive(until: { $0.contains("inference: refining") }, timeout: 60)
        try #require(status.contains { $0.contains("inference: refining") }, "STATUS: \(status); log:\n\(daemon.log)")
        expectEveryThreadBlocksTheStopSignals(daemon)
        expectCleanStop(daemon)

        // The image in flight when the signal came was finished (logged after the stop began)
        // with all its outputs; the rest wait in inbox/, and nothing is left half-done in work/.
        let log = daemon.log
        let stopping = try #require(log.range(of: "stopping:"))
        #expect(log[stopping.upperBound...].contains("refined large"), "log:\n\(log)")
        let done = files(in: layout.done)
        #expect(!done.isEmpty && Set(done + files(in: layout.inbox)) == Set(names), "done \(done), inbox \(files(in: layout.inbox))")
        #expect(allEntries(in: layout.work).isEmpty, "work/: \(allEntries(in: layout.work))")
        for name in done {
            let stem = (name as NSString).deletingPathExtension
            #expect(files(in: layout.masks).contains("\(stem).png") && files(in: layout.logs).contains("\(stem).json"))
        }
    }

    @Test func sigtermDuringTrainingCheckpointsTheJobWhichResumesAtTheNextStart() throws {
        let root = try TestPaths.temporaryDirectory("stop-training")
        let spool = root.appendingPathComponent("spool")
        let layout = SpoolLayout(root: spool)
        try layout.createSkeleton()
        let raw = root.appendingPathComponent("raw")
        try PhantomGenerator(width: 64, height: 64, seed: 11).writeRawDataset(count: 12, to: raw)
        // Where the daemon looks for datasets by default: datasets/ beside the spool.
        _ = try DatasetPreparation.prepare(PreparationOptions(raw: raw, name: "PH", output: root.appendingPathComponent("datasets")))
        let job = """
            stage = "train-transunet"
            dataset = "PH"
            folds = [0]
            preset = "cpu-tiny"
            image_size = 32
            batch_size = 2
            epochs = 200
            """
        try drop(Data(job.utf8), as: "train.toml", into: layout.jobs)

        let receiver = try DatagramReceiver()
        let daemon = try DaemonProcess(spool: spool, environment: ["NOTIFY_SOCKET": receiver.path], asDeployed: true)
        let status = receiver.receive(until: { $0.contains("training: fold 0 (1/1) epoch") }, timeout: 60)
        try #require(status.contains { $0.contains("training: fold 0 (1/1) epoch") }, "STATUS: \(status); log:\n\(daemon.log)")
        expectEveryThreadBlocksTheStopSignals(daemon)
        expectCleanStop(daemon)
        #expect(daemon.log.contains("train.toml interrupted by shutdown"), "log:\n\(daemon.log)")
        #expect(files(in: layout.work) == ["train.toml"], "an interrupted job stays in work/")
        let checkpoint = layout.jobOutputs.appendingPathComponent("train/fold0/checkpoint.safetensors")
        #expect(FileManager.default.fileExists(atPath: checkpoint.path), "the job was checkpointed")

        let restarted = try DaemonProcess(spool: spool, asDeployed: true)
        #expect(eventually { restarted.log.contains("resuming train.toml") }, "log:\n\(restarted.log)")
        expectCleanStop(restarted)
        #expect(files(in: layout.work) == ["train.toml"])
    }
}
}
