import Daemon
import Foundation
import Formats
import Spool
import Tensor
import Testing
import TestSupport

/// Three daemons (instances a, b, c, a 3 s lease) on one spool while 30 images arrive. One
/// instance, chosen at random, is killed while it holds an item: that item stays in its area
/// until the lease expires, then a survivor adopts it. Another is killed and restarted at once
/// under the same id, which takes its area back without waiting. A second daemon with a running
/// instance's id is refused. In the end every input is in exactly one of done/ or failed/, with
/// one output set per done image, and work/ holds nothing but the claim lock.
extension DaemonProcessTests {
@Suite struct MultiDaemonTests {
    static let leaseSeconds = 3.0

    func start(_ instance: String, spool: URL) throws -> DaemonProcess {
        try DaemonProcess(spool: spool, arguments: [
            "--spool", spool.path, "--transunet", TestWeights.files.transunet.path, "--sam", TestWeights.files.sam.path,
            "--retry-delay", "0.5", "--instance", instance, "--lease-seconds", String(Self.leaseSeconds),
        ])
    }

    /// The images in an instance's area.
    func held(_ instance: String, _ layout: SpoolLayout) -> [String] {
        files(in: layout.workArea(instance)).filter { $0.hasSuffix(".png") }
    }

    /// Waits until `daemon` holds an image, then kills it; returns the images it held.
    func killHolding(_ daemon: DaemonProcess, _ instance: String, _ layout: SpoolLayout) -> [String] {
        #expect(eventually(timeout: 90) { !held(instance, layout).isEmpty }, "\(instance) never held an item; log:\n\(daemon.log)")
        daemon.signal(SIGKILL)
        _ = daemon.waitForExit()
        return held(instance, layout)
    }

    @Test func threeDaemonsOnOneSpoolCompleteEveryInputExactlyOnce() throws {
        let root = try TestPaths.temporaryDirectory("three-daemons")
        let spool = root.appendingPathComponent("spool")
        let layout = SpoolLayout(root: spool)
        try layout.createSkeleton()
        let instances = ["a", "b", "c"]
        var daemons = try Dictionary(uniqueKeysWithValues: instances.map { ($0, try start($0, spool: spool)) })
        // Every process's log, killed ones included: an adopter may be killed later itself.
        var everyDaemon = Array(daemons.values)
        func anyLog(contains text: String) -> Bool { everyDaemon.contains { $0.log.contains(text) } }
        #expect(eventually(timeout: 90) { instances.allSatisfy { daemons[$0]!.log.contains("watching") } },
                "logs:\n\(instances.map { daemons[$0]!.log })")

        // A second daemon under a running instance's id is a configuration error.
        let twin = try start("b", spool: spool)
        #expect(twin.waitForExit(timeout: 60) == DaemonRuntime.configurationErrorStatus)
        #expect(twin.log.contains("another instance with id b is running"), "log:\n\(twin.log)")

        // 30 images, a few at a time, while instances die.
        let all = (0..<30).map { "scan \($0).png" }
        let feeder = Thread {
            for (index, name) in all.enumerated() {
                try? drop(try TestWeights.phantomPNG(index, width: 96 + 4 * index, height: 80), as: name, into: layout.inbox)
                usleep(UInt32(150_000 + 50_000 * (index % 3)))
            }
        }
        feeder.start()

        var random = SeededGenerator(seed: 20261207)
        var order = instances
        order.shuffle(using: &random)
        let (orphaned, restarted) = (order[0], order[1])

        // Killed for good: its items wait for the lease to expire, then a survivor adopts them.
        let lease = layout.workArea(orphaned).appendingPathComponent(SpoolLease.fileName)
        let stranded = killHolding(daemons[orphaned]!, orphaned, layout)
        var info = stat()
        #expect(lstat(lease.path, &info) == 0, "the killed instance's area and lease are still there")
        let lastRenewal = Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) * 1e-9
        #expect(!stranded.isEmpty)
        #expect(eventually(timeout: 30) { Set(held(orphaned, layout)).isDisjoint(with: stranded) })
        let adoptedAt = Date().timeIntervalSince1970
        // 10 ms for the coarse clock file times are stamped with.
        #expect(adoptedAt - lastRenewal >= Self.leaseSeconds - 0.01,
                "adopted \(adoptedAt - lastRenewal) s after the last renewal, before the \(Self.leaseSeconds) s lease expired")
        #expect(eventually(timeout: 30) { !FileManager.default.fileExists(atPath: layout.workArea(orphaned).path) },
                "the emptied area is removed: \(files(in: layout.workArea(orphaned)))")
        // Logged once the moves are done and synced, a moment after the area went.
        #expect(eventually(timeout: 10) { anyLog(contains: "from instance \(orphaned), whose lease expired") })

        // Killed and restarted at once under its id: it takes its own area back, nobody adopts it.
        let interrupted = killHolding(daemons[restarted]!, restarted, layout)
        daemons[restarted] = try start(restarted, spool: spool)
        everyDaemon.append(daemons[restarted]!)
        #expect(eventually(timeout: 90) { interrupted.allSatisfy { daemons[restarted]!.log.contains("resuming \($0)") } },
                "log:\n\(daemons[restarted]!.log)")

        while !feeder.isFinished { usleep(50_000) }
        #expect(eventually(timeout: 240) {
            Set(files(in: layout.done)).union(files(in: layout.failed).filter { $0.hasSuffix(".png") }) == Set(all)
                && files(in: layout.inbox).isEmpty && claimedFiles(layout).isEmpty
        }, "done \(files(in: layout.done)), failed \(files(in: layout.failed)), claimed \(claimedFiles(layout))")
        #expect(!anyLog(contains: "from instance \(restarted),"), "a restarted instance's items are not adopted by others")
        // The heartbeat keeps a live instance's items its own: nobody adopts from the instance
        // never killed, and no item is taken from under the instance working on it.
        #expect(!anyLog(contains: "from instance \(order[2]),"))
        #expect(!anyLog(contains: "cannot move"))
        for instance in instances where instance != orphaned {
            #expect(daemons[instance]!.stop() == 0, "log:\n\(daemons[instance]!.log)")
        }

        let done = files(in: layout.done)
        let failed = files(in: layout.failed).filter { $0.hasSuffix(".png") }
        // An image in flight at two kills (held by one killed instance, then by the one that
        // adopted it when that one is killed too) has ended a daemon twice: the crash-loop guard
        // fails it as `crashed` rather than trying a third time. Nothing else may fail.
        for name in failed {
            let record = try JSONSerialization.jsonObject(
                with: Data(contentsOf: layout.failed.appendingPathComponent(name.replacingOccurrences(of: ".png", with: ".error.json"))))
            #expect((record as? [String: Any])?["stage"] as? String == "crashed", "\(name): \(record)")
        }
        #expect(Set(done).isDisjoint(with: failed) && done.count + failed.count == all.count,
                "each input exactly once: done \(done), failed \(failed)")
        for folder in [layout.masks, layout.refined, layout.predictions, layout.logs] {
            #expect(allEntries(in: folder).count == done.count, "one output set per image: \(allEntries(in: folder))")
        }
        for name in stranded + interrupted where done.contains(name) {
            let log = try JSONSerialization.jsonObject(
                with: Data(contentsOf: layout.logs.appendingPathComponent(name.replacingOccurrences(of: ".png", with: ".json"))))
            #expect((log as? [String: Any])?["input"] as? String == name)
        }
        #expect(allEntries(in: layout.work) == [layout.claimLock.lastPathComponent], "work: \(allEntries(in: layout.work))")
        print("three daemons: \(orphaned) killed holding \(stranded), adopted \(String(format: "%.2f", adoptedAt - lastRenewal)) s after its last renewal; \(restarted) killed holding \(interrupted) and restarted; \(done.count) of \(all.count) done once")
    }
}
}
