import Datasets
import Foundation
import Spool
import Testing
import TestSupport

extension DaemonProcessTests {
/// No single input may crash-loop the daemon: an item whose processing ended the process twice
/// goes to failed/ as `crashed` instead of being resumed from work/ at every restart.
@Suite struct CrashLoopTests {
    @Test func anItemThatEndsTheDaemonTwiceFailsAsCrashedAndTheDaemonCarriesOn() throws {
        let spool = try TestPaths.temporaryDirectory("crash-loop").appendingPathComponent("spool")
        let layout = SpoolLayout(root: spool)
        try layout.createSkeleton()
        // A real crash, with no hook in the daemon: under a 1 MiB file-size limit, writing this
        // image's refined probability (4 bytes a pixel, 1.7 MB) ends the process with SIGXFSZ,
        // as the kernel's out-of-memory killer would end it on an image too large for the unit.
        let limit = 1 << 20
        try drop(try TestWeights.phantomPNG(0, width: 700, height: 600), as: "poison.png", into: layout.inbox)
        let counter = layout.workArea(SpoolLease.hostName).appendingPathComponent("poison.png.attempts")
        for run in 1...2 {
            let daemon = try DaemonProcess(spool: spool, fileSizeLimit: limit)
            let status = daemon.waitForExit(timeout: 120)
            #expect(status == 128 + SIGXFSZ, "run \(run): exit status \(String(describing: status)); log:\n\(daemon.log)")
            #expect(claimedFiles(layout) == ["\(SpoolLease.hostName)/poison.png", "\(SpoolLease.hostName)/poison.png.attempts"], "run \(run)")
            #expect(try String(contentsOf: counter, encoding: .utf8) == "\(run)\n", "the count survives the crash")
        }

        let daemon = try DaemonProcess(spool: spool, fileSizeLimit: limit)
        #expect(eventually { files(in: layout.failed).contains("poison.png") }, "log:\n\(daemon.log)")
        let record = try JSONSerialization.jsonObject(with: Data(contentsOf: layout.failed.appendingPathComponent("poison.error.json")))
        let fields = try #require(record as? [String: String])
        #expect(fields["stage"] == "crashed", "\(fields)")
        #expect(fields["error"]?.contains("ended the daemon 2 times") == true, "\(fields)")
        #expect(claimedFiles(layout).isEmpty, "claimed: \(claimedFiles(layout))")
        // The crashed attempts' partial outputs (the mask was written before the crash) are gone.
        for folder in [layout.masks, layout.refined, layout.predictions, layout.logs] {
            #expect(allEntries(in: folder).isEmpty, "\(folder.lastPathComponent): \(allEntries(in: folder))")
        }

        // The daemon keeps running and serves other inputs.
        try drop(try TestWeights.phantomPNG(1), as: "fine.png", into: layout.inbox)
        #expect(eventually { files(in: layout.done) == ["fine.png"] }, "log:\n\(daemon.log)")
        #expect(daemon.isRunning)
        #expect(daemon.stop() == 0, "log:\n\(daemon.log)")
    }

    @Test func aJobNamingTheFuzzFoundCheckpointFailsWithoutTakingTheDaemonDown() throws {
        // Issue 16: this initial checkpoint used to end the process (SIGILL) on every restart.
        let fixture = try TrainingSpool("hostile-job")
        _ = try DatasetPreparation.prepare(PreparationOptions(raw: fixture.raw, name: "PH",
                                                              output: fixture.root.appendingPathComponent("datasets")))
        let hostile = TestPaths.fixtures.appendingPathComponent("hostile/pth-central-directory.pth")
        let job = TrainingSpool.trainJob(epochs: 2) + "\ncheckpoint = \"\(hostile.path)\"\n"
        try drop(Data(job.utf8), as: "poisoned.toml", into: fixture.layout.jobs)
        let daemon = try DaemonProcess(spool: fixture.spool)
        #expect(eventually { files(in: fixture.layout.failed).contains("poisoned.toml") }, "log:\n\(daemon.log)")
        let reason = try String(contentsOf: fixture.layout.failed.appendingPathComponent("poisoned.error.json"), encoding: .utf8)
        #expect(reason.contains("pth-central-directory.pth") && reason.contains("zip64"), "\(reason)")
        #expect(daemon.isRunning)
        #expect(daemon.stop() == 0, "log:\n\(daemon.log)")
    }
}
}
