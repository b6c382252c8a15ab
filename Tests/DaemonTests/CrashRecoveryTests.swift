import Daemon
import Foundation
import Formats
import Spool
import Tensor
import Testing
import TestSupport

/// SIGKILL at random moments while the daemon works through a batch, then a clean run: every
/// input ends in exactly one of done/ or failed/, each done image has its complete, readable
/// outputs (and only one set of them), and no temporary or half-written file is left anywhere.
extension DaemonProcessTests {
@Suite struct CrashRecoveryTests {
    @Test func killingTheDaemonAtRandomMomentsLosesAndDuplicatesNothing() throws {
        let root = try TestPaths.temporaryDirectory("sigkill")
        let spool = root.appendingPathComponent("spool")
        let layout = SpoolLayout(root: spool)
        try layout.createSkeleton()
        var good: [String] = []
        for index in 0..<20 {
            let name = "case \(index).png"
            try drop(try TestWeights.phantomPNG(index, width: 120 + 8 * index, height: 100), as: name, into: layout.inbox)
            good.append(name)
        }
        try drop(Data("not a png".utf8), as: "broken-a.png", into: layout.inbox)
        try drop(Data([0x89, 0x50, 0x4E, 0x47]), as: "broken-b.png", into: layout.inbox)
        let all = Set(good + ["broken-a.png", "broken-b.png"])

        var random = SeededGenerator(seed: 20261201)
        var kills = 0
        for _ in 0..<6 {
            let daemon = try DaemonProcess(spool: spool)
            // 0.2–1.4 s: model loading, recovery, mid-item and between-item moments all get hit.
            usleep(UInt32(200_000 + Int(random.next() % 1_200_000)))
            daemon.signal(SIGKILL)
            _ = daemon.waitForExit()
            kills += 1
        }

        let daemon = try DaemonProcess(spool: spool)
        #expect(eventually(timeout: 120) {
            Set(files(in: layout.done)).union(files(in: layout.failed).filter { $0.hasSuffix(".png") }) == all
                && files(in: layout.inbox).isEmpty && claimedFiles(layout).isEmpty
        }, "after \(kills) kills: done \(files(in: layout.done)), failed \(files(in: layout.failed)); log:\n\(daemon.log)")
        let stopStatus = daemon.stop()
        #expect(stopStatus == 0, "log:\n\(daemon.log)")

        let done = files(in: layout.done)
        let failed = files(in: layout.failed).filter { $0.hasSuffix(".png") }
        #expect(Set(done).isDisjoint(with: failed))
        #expect(done.count + failed.count == all.count, "each input exactly once: done \(done), failed \(failed)")
        // An image in flight at two of the kills is given up as crashed (see CrashLoopTests), its
        // partial outputs removed; any other failure must be one of the broken files.
        let crashed = try failed.filter { name in
            let record = layout.failed.appendingPathComponent((name as NSString).deletingPathExtension + ".error.json")
            return (try JSONSerialization.jsonObject(with: Data(contentsOf: record)) as? [String: String])?["stage"] == "crashed"
        }
        let broken: Set = ["broken-a.png", "broken-b.png"]
        #expect(Set(failed).subtracting(crashed) == broken.subtracting(crashed), "failed \(failed), crashed \(crashed)")
        for name in done {
            let stem = (name as NSString).deletingPathExtension
            let image = try PNG.read(layout.done.appendingPathComponent(name))
            let mask = try PNG.read(layout.masks.appendingPathComponent("\(stem).png"))
            #expect(mask.width == image.width && mask.height == image.height)
            #expect(try NPY.read(layout.refined.appendingPathComponent("\(stem).npy")).shape == [image.height, image.width])
            #expect(try NPY.read(layout.predictions.appendingPathComponent("\(stem).npy")).shape == [224, 224])
            let log = try JSONSerialization.jsonObject(with: Data(contentsOf: layout.logs.appendingPathComponent("\(stem).json")))
            #expect((log as? [String: Any])?["input"] as? String == name)
        }
        // One output set per finished image: nothing was completed twice under a suffixed name.
        for folder in [layout.masks, layout.refined, layout.predictions, layout.logs] {
            #expect(allEntries(in: folder).count == done.count, "\(folder.lastPathComponent): \(allEntries(in: folder))")
        }
        for folder in [layout.inbox, layout.done, layout.failed] {
            #expect(allEntries(in: folder).allSatisfy { !$0.hasPrefix(".") }, "\(folder.lastPathComponent): \(allEntries(in: folder))")
        }
        // A clean stop gives the emptied claim area up; only the claim lock stays.
        #expect(allEntries(in: layout.work) == [layout.claimLock.lastPathComponent], "work: \(allEntries(in: layout.work))")
        print("crash recovery: \(kills) SIGKILLs, then \(done.count) done and \(failed.count) failed (\(crashed.count) crashed) of \(all.count)")
    }
}
}
