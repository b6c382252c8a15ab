import Daemon
import Datasets
import Foundation
import Spool
import Testing
import TestSupport

extension DaemonProcessTests {
/// The training lane through the real daemon: a `prepare` job builds a dataset, a
/// `train-transunet` job survives SIGTERM (checkpointed in `work/`) and resumes at the next
/// start, `promote` switches the inference lane to the new weights, and `cancel` stops a job.
@Suite struct DaemonTrainingTests {
    @Test func jobsPrepareTrainResumeAfterSIGTERMPromoteAndCancel() throws {
        let fixture = try TrainingSpool("daemon-training")
        let (root, spool, layout, raw) = (fixture.root, fixture.spool, fixture.layout, fixture.raw)

        let receiver = try DatagramReceiver()
        var daemon = try DaemonProcess(spool: spool, environment: ["NOTIFY_SOCKET": receiver.path])
        try drop(Data("stage = \"prepare\"\nraw = \"\(raw.path)\"\nname = \"PH\"\n".utf8), as: "prep.toml", into: layout.jobs)
        #expect(eventually { files(in: layout.done) == ["prep.toml"] }, "log:\n\(daemon.log)")
        let datasets = root.appendingPathComponent("datasets")
        #expect(FileManager.default.fileExists(atPath: datasets.appendingPathComponent("PH/splits.json").path))

        let train = TrainingSpool.trainJob(epochs: 40, promote: true)
        try drop(Data(train.utf8), as: "train.toml", into: layout.jobs)
        let status = receiver.receive(until: { $0.contains("training: fold 0 (1/1) epoch") }, timeout: 60)
        #expect(status.contains { $0.contains("training: fold 0 (1/1) epoch") }, "STATUS lines: \(status)")
        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit() == 0, "log:\n\(daemon.log)")
        #expect(claimedFiles(layout) == ["\(SpoolLease.hostName)/train.toml"], "an interrupted job stays in its area")
        let checkpoint = layout.jobOutputs.appendingPathComponent("train/fold0/checkpoint.safetensors")
        #expect(FileManager.default.fileExists(atPath: checkpoint.path))
        #expect(!files(in: layout.done).contains("train.toml"))

        daemon = try DaemonProcess(spool: spool)
        #expect(eventually(timeout: 240) { files(in: layout.done).contains("train.toml") }, "log:\n\(daemon.log)")
        #expect(daemon.log.contains("resuming train.toml"))
        #expect(daemon.log.contains("promoted TransUNet weights"), "log:\n\(daemon.log)")
        #expect(daemon.log.contains("dice="), "the journal gets the validation Dice as a field")
        let report = try String(contentsOf: layout.jobOutputs.appendingPathComponent("train/report.json"), encoding: .utf8)
        #expect(report.contains("meanValDice"))
        let metrics = try String(contentsOf: layout.jobOutputs.appendingPathComponent("train/metrics.jsonl"), encoding: .utf8)
        #expect(metrics.split(separator: "\n").count == 40, "one line per epoch, none repeated after the resume")

        // The promoted weights serve the next image.
        try drop(try TestWeights.phantomPNG(5), as: "after-training.png", into: layout.inbox)
        #expect(eventually { files(in: layout.done).contains("after-training.png") }, "log:\n\(daemon.log)")
        let log = try String(contentsOf: layout.logs.appendingPathComponent("after-training.json"), encoding: .utf8)
        #expect(log.contains("out/jobs/train/fold0/model.safetensors"), "\(log)")

        // Cancelling a running job: it stops at its next step and lands in failed/ with the reason.
        try drop(Data(train.replacingOccurrences(of: "epochs = 40", with: "epochs = 5000").utf8), as: "long.toml", into: layout.jobs)
        #expect(eventually { FileManager.default.fileExists(atPath: layout.progressFile(jobID: "long").path) })
        #expect(try JobCancellation.cancel("long", layout: layout, version: "test") == .requested(
            layout.cancelRequest(jobID: "long")))
        #expect(eventually { files(in: layout.failed).contains("long.toml") }, "log:\n\(daemon.log)")
        let reason = try String(contentsOf: layout.failed.appendingPathComponent("long.error.json"), encoding: .utf8)
        #expect(reason.contains("cancelled by user") && reason.contains("train-transunet"))
        #expect(claimedFiles(layout).isEmpty)
        #expect(daemon.stop() == 0)

        // A restart keeps the promoted weights (when no --transunet flag overrides them).
        let restarted = try DaemonProcess(spool: spool, arguments: ["--spool", spool.path, "--sam", TestWeights.files.sam.path])
        #expect(eventually { restarted.log.contains("using promoted TransUNet weights") }, "log:\n\(restarted.log)")
        #expect(restarted.stop() == 0)
    }
}
}
