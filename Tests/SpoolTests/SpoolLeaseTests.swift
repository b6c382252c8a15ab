import Foundation
import Testing
import TestSupport
@testable import Spool

/// Several instances on one spool: leases (fresh, expired, a live duplicate id refused, a dead
/// owner's area taken over at once), adoption of expired areas with their sidecars, and claims
/// that stay unique across areas.
struct SpoolLeaseTests {
    let layout: SpoolLayout

    init() throws {
        layout = SpoolLayout(root: try TestPaths.temporaryDirectory("lease"))
        try layout.createSkeleton()
    }

    func drop(_ name: String, _ contents: String = "x", lane: Lane = .inference) throws {
        try Data(contents.utf8).write(to: layout.dropFolder(lane).appendingPathComponent(name))
    }

    func names(_ folder: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
    }

    /// Sets a file's modification time `seconds` into the past, as if nobody had renewed it since.
    func age(_ url: URL, by seconds: Double) throws {
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -seconds)], ofItemAtPath: url.path)
    }

    /// Writes a lease record for `instance` as another process would have.
    func writeLease(_ instance: String, host: String = SpoolLease.hostName, pid: Int32, processStart: UInt64?) throws {
        let area = layout.workArea(instance)
        try FileManager.default.createDirectory(at: area, withIntermediateDirectories: true)
        let record = SpoolLease.Record(instance: instance, host: host, pid: pid, started: "2026-12-01T00:00:00Z",
                                       processStart: processStart, leaseSeconds: 60)
        try JSONEncoder().encode(record).write(to: area.appendingPathComponent(SpoolLease.fileName))
    }

    @Test func aLeaseIsFreshUntilItGoesUnrenewedForItsPeriod() throws {
        let lease = try SpoolLease(layout: layout, instance: "a", seconds: 2)
        try lease.acquire()
        let record = try JSONDecoder().decode(SpoolLease.Record.self, from: Data(contentsOf: lease.file))
        #expect(record.instance == "a" && record.pid == getpid() && record.host == SpoolLease.hostName && record.leaseSeconds == 2)
        #expect(SpoolLease.standing(of: "a", layout: layout, defaultSeconds: 60)?.expired == false)
        try age(lease.file, by: 2.5)
        // The owner's period (2 s) decides, not the reader's default.
        #expect(SpoolLease.standing(of: "a", layout: layout, defaultSeconds: 60)?.expired == true)
        #expect(try lease.renew())
        #expect(SpoolLease.standing(of: "a", layout: layout, defaultSeconds: 60)?.expired == false)
        #expect(SpoolLease.standing(of: "nobody", layout: layout, defaultSeconds: 60) == nil)
    }

    @Test func aLiveProcessWithTheSameIDIsRefused() throws {
        // The test runner's parent is alive; a lease it wrote a moment ago must not be taken.
        let parent = getppid()
        try writeLease("twin", pid: parent, processStart: SpoolLease.processStart(pid: parent))
        let lease = try SpoolLease(layout: layout, instance: "twin")
        let refusal = #expect(throws: SpoolLease.Conflict.self) { try lease.acquire() }
        #expect(refusal?.description.contains("another instance with id twin is running (pid \(parent))") == true, "\(String(describing: refusal))")
        // A pid reused by another process (a different start time) is no owner.
        try writeLease("reused", pid: parent, processStart: (SpoolLease.processStart(pid: parent) ?? 0) + 1)
        try SpoolLease(layout: layout, instance: "reused").acquire()
        // A fresh lease from another machine with this id is refused too: two hosts share the id.
        try writeLease("shared", host: "elsewhere", pid: 1, processStart: nil)
        #expect(throws: SpoolLease.Conflict.self) { try SpoolLease(layout: layout, instance: "shared").acquire() }
    }

    @Test func aDeadOwnersAreaIsTakenOverAtOnceByItsOwnID() throws {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/true")
        try child.run()
        child.waitUntilExit()
        try writeLease("restarted", pid: child.processIdentifier, processStart: 1)
        let queue = SpoolQueue(layout: layout, version: "test", instance: "restarted")
        try drop("left.png")
        _ = try queue.claim("left.png", lane: .inference)
        let lease = try SpoolLease(layout: layout, instance: "restarted")
        try lease.acquire()
        let record = try JSONDecoder().decode(SpoolLease.Record.self, from: Data(contentsOf: lease.file))
        #expect(record.pid == getpid())
        #expect(try queue.leftoverItems().map(\.droppedName) == ["left.png"], "the lease is no item")
        // A job dropped under the lease's name is claimed beside it, under another stem.
        try drop("lease.json", "{}", lane: .training)
        guard case .claimed(let job) = try queue.claim("lease.json", lane: .training) else {
            Issue.record("not claimed"); return
        }
        #expect(job.stem == "lease-1")
        #expect(try Data(contentsOf: lease.file) != Data("{}".utf8))
    }

    @Test func expiredAreasAreAdoptedWithTheirSidecarsAndRemoved() throws {
        let owner = try SpoolLease(layout: layout, instance: "a", seconds: 2)
        try owner.acquire()
        let a = SpoolQueue(layout: layout, version: "test", instance: "a")
        try drop("scan.box.json", "[1,2,3,4]"); try drop("scan.png", "pixels"); try drop("job.toml", lane: .training)
        _ = try a.claim("scan.png", lane: .inference)
        _ = try a.claim("job.toml", lane: .training)
        let b = SpoolQueue(layout: layout, version: "test", instance: "b")

        #expect(try b.adoptExpiredAreas(defaultLeaseSeconds: 60).isEmpty, "a fresh lease keeps the items with their owner")
        #expect(names(owner.area) == ["job.toml", "lease.json", "scan.box.json", "scan.png"])

        try age(owner.file, by: 3)
        let adopted = try b.adoptExpiredAreas(defaultLeaseSeconds: 60)
        #expect(adopted == [AdoptedArea(instance: "a", names: ["job.toml", "scan.box.json", "scan.png"])])
        #expect(!FileManager.default.fileExists(atPath: owner.area.path), "the emptied area and its lease are removed")
        let items = try b.leftoverItems()
        #expect(items.map(\.droppedName) == ["job.toml", "scan.png"])
        #expect(items[1].sidecars == ["box.json"] && items[1].instance == "b")
        #expect(try String(contentsOf: try #require(items[1].sidecar("box.json")), encoding: .utf8) == "[1,2,3,4]")
        try b.complete(items[1])
        #expect(names(layout.done) == ["scan.box.json", "scan.png"])
    }

    @Test func itemsOfAVersionWithoutAreasAreAdoptedAtOnce() throws {
        try Data("old".utf8).write(to: layout.work.appendingPathComponent("old.png"))
        try Data("{}".utf8).write(to: layout.work.appendingPathComponent("old.points.json"))
        try Data().write(to: layout.cancelRequest(jobID: "j"))
        try SpoolLease(layout: layout, instance: "node.png").acquire()
        let queue = SpoolQueue(layout: layout, version: "test", instance: "new")
        #expect(try queue.adoptExpiredAreas(defaultLeaseSeconds: 60) == [AdoptedArea(instance: "", names: ["old.png", "old.points.json"])])
        #expect(try queue.leftoverItems().first?.sidecars == ["points.json"])
        #expect(FileManager.default.fileExists(atPath: layout.cancelRequest(jobID: "j").path), "cancel requests stay")
        #expect(try layout.claimAreas() == ["new", "node.png"], "an area is no item, whatever its name")
    }

    @Test func aNameClaimedByAnotherInstanceGetsADifferentStem() throws {
        let a = SpoolQueue(layout: layout, version: "test", instance: "a")
        let b = SpoolQueue(layout: layout, version: "test", instance: "b")
        try drop("scan.png", "first")
        _ = try a.claim("scan.png", lane: .inference)
        try drop("scan.png", "second")
        guard case .claimed(let second) = try b.claim("scan.png", lane: .inference) else {
            Issue.record("not claimed"); return
        }
        #expect(second.stem == "scan-1")
    }

    @Test func racingInstancesEachWinDistinctFilesUnderDistinctStems() async throws {
        // Each round drops one file under the same name, and two instances race to claim it.
        var stems: [String] = []
        for _ in 0..<25 {
            try drop("same.png")
            let results = await withTaskGroup(of: ClaimResult?.self) { group in
                for instance in ["a", "b"] {
                    group.addTask { [layout] in
                        try? SpoolQueue(layout: layout, version: "test", instance: instance).claim("same.png", lane: .inference)
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            let won = results.compactMap { result -> String? in
                if case .claimed(let item)? = result { return item.stem }
                return nil
            }
            #expect(won.count == 1, "exactly one instance claims each file: \(results)")
            stems += won
        }
        #expect(Set(stems).count == 25, "no stem is used twice: \(stems)")
        let claimed = try SpoolQueue(layout: layout, version: "test", instance: "a").claimedItemsOfAllInstances()
        #expect(claimed.count == 25 && Set(claimed.map(\.stem)) == Set(stems))
    }

    @Test func claimsWaitForTheSpoolWideClaimLock() throws {
        // Another instance choosing a stem holds the lock: a claim must not check and rename in
        // the meantime, or both could pick the same stem for two drops of one name.
        try drop("scan.png")
        let holder = open(layout.claimLock.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        #expect(flock(holder, LOCK_EX) == 0)
        let finished = DispatchSemaphore(value: 0)
        Thread { [layout] in
            _ = try? SpoolQueue(layout: layout, version: "test", instance: "a").claim("scan.png", lane: .inference)
            finished.signal()
        }.start()
        #expect(finished.wait(timeout: .now() + 0.5) == .timedOut, "the claim went ahead without the lock")
        #expect(names(layout.inbox) == ["scan.png"])
        close(holder)
        #expect(finished.wait(timeout: .now() + 10) == .success)
        #expect(names(layout.workArea("a")) == ["scan.png"])
    }

    @Test func releaseKeepsAnAreaThatStillHoldsAnItem() throws {
        let lease = try SpoolLease(layout: layout, instance: "a")
        try lease.acquire()
        try drop("job.toml", lane: .training)
        _ = try SpoolQueue(layout: layout, version: "test", instance: "a").claim("job.toml", lane: .training)
        lease.release()
        #expect(names(lease.area) == ["job.toml", "lease.json"])
        let empty = try SpoolLease(layout: layout, instance: "b")
        try empty.acquire()
        empty.release()
        #expect(!FileManager.default.fileExists(atPath: empty.area.path))
    }

    @Test func instanceIDsMustBePlainFolderNames() {
        for bad in ["", ".hidden", "a/b", "..", "with space", String(repeating: "x", count: 201)] {
            #expect(throws: SpoolError.self) { try SpoolLease(layout: layout, instance: bad) }
        }
        #expect(throws: SpoolError.self) { try SpoolLease(layout: layout, instance: "ok", seconds: 0) }
        #expect((try? SpoolLease(layout: layout, instance: "node-1.lab_2")) != nil)
    }
}

