import Foundation
import Testing
import TestSupport
@testable import Spool

/// The durable queue's moves: claim, complete, fail, refuse, recover, unique naming.
struct SpoolQueueTests {
    let layout: SpoolLayout
    let queue: SpoolQueue

    init() throws {
        layout = SpoolLayout(root: try TestPaths.temporaryDirectory("spool"))
        try layout.createSkeleton()
        queue = SpoolQueue(layout: layout, version: "test")
    }

    func drop(_ name: String, _ contents: String = "x", lane: Lane = .inference) throws {
        try Data(contents.utf8).write(to: layout.dropFolder(lane).appendingPathComponent(name))
    }

    func names(_ folder: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
    }

    func claimed(_ result: ClaimResult) throws -> SpoolItem {
        guard case .claimed(let item) = result else { throw SpoolError("test", "expected a claim, got \(result)") }
        return item
    }

    @Test func skeletonHasEveryFolderOfTheLayout() throws {
        for folder in layout.allFolders {
            var isDirectory: ObjCBool = false
            #expect(FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory) && isDirectory.boolValue)
        }
    }

    @Test func onlyCompleteFilesOfTheLaneAreEligible() {
        #expect(SpoolQueue.isEligible("scan 1.png", lane: .inference))
        #expect(SpoolQueue.isEligible("SCAN.PNG", lane: .inference))
        #expect(!SpoolQueue.isEligible(".scan.png", lane: .inference))
        #expect(!SpoolQueue.isEligible("scan.png.tmp", lane: .inference))
        #expect(!SpoolQueue.isEligible("scan.png.part", lane: .inference))
        #expect(!SpoolQueue.isEligible("scan.png~", lane: .inference))
        #expect(!SpoolQueue.isEligible("scan.box.json", lane: .inference))
        #expect(!SpoolQueue.isEligible("scan.jpg", lane: .inference))
        #expect(SpoolQueue.isEligible("train.toml", lane: .training))
        #expect(SpoolQueue.isEligible("train.json", lane: .training))
        #expect(!SpoolQueue.isEligible("train.toml", lane: .inference))
    }

    @Test func claimMovesTheFileIntoWorkAndCompleteIntoDone() throws {
        try drop("scan.png", "pixels")
        #expect(try queue.pending(.inference) == ["scan.png"])
        let item = try claimed(try queue.claim("scan.png", lane: .inference))
        #expect(item.stem == "scan")
        #expect(try names(layout.inbox).isEmpty)
        #expect(try String(contentsOf: item.workURL, encoding: .utf8) == "pixels")
        let done = try queue.complete(item)
        #expect(done.lastPathComponent == "scan.png")
        #expect(try names(queue.area).isEmpty)
        #expect(try String(contentsOf: done, encoding: .utf8) == "pixels")
    }

    @Test func claimingAVanishedFileReportsIt() throws {
        #expect(try queue.claim("gone.png", lane: .inference) == .vanished)
    }

    @Test func sameNameDroppedAgainGetsASuffixedStemNeverOverwriting() throws {
        try drop("scan.png", "first")
        let first = try claimed(try queue.claim("scan.png", lane: .inference))
        try Data("{}".utf8).write(to: layout.logs.appendingPathComponent("scan.json"))  // its outputs
        try queue.complete(first)
        try drop("scan.png", "second")
        let second = try claimed(try queue.claim("scan.png", lane: .inference))
        #expect(second.stem == "scan-1")
        try queue.complete(second)
        #expect(try names(layout.done) == ["scan-1.png", "scan.png"])
        #expect(try String(contentsOf: layout.done.appendingPathComponent("scan.png"), encoding: .utf8) == "first")
        #expect(try String(contentsOf: layout.done.appendingPathComponent("scan-1.png"), encoding: .utf8) == "second")
    }

    @Test func failureWritesAnErrorRecordBesideTheUnchangedInput() throws {
        try drop("bad.png", "garbage")
        let item = try claimed(try queue.claim("bad.png", lane: .inference))
        let failed = try queue.fail(item, stage: "decode", error: "bad.png: not a PNG")
        #expect(try String(contentsOf: failed, encoding: .utf8) == "garbage")
        let record = try JSONSerialization.jsonObject(
            with: Data(contentsOf: layout.failed.appendingPathComponent("bad.error.json"))) as? [String: String]
        #expect(record?["stage"] == "decode")
        #expect(record?["error"] == "bad.png: not a PNG")
        #expect(record?["version"] == "test")
        #expect(record?["input"] == "bad.png")
        #expect(record?["time"] != nil)
    }

    @Test func symlinksAreRefusedAndTheirTargetsUntouched() throws {
        let outside = try TestPaths.temporaryDirectory("outside").appendingPathComponent("secret.png")
        try Data("secret".utf8).write(to: outside)
        try FileManager.default.createSymbolicLink(at: layout.inbox.appendingPathComponent("link.png"),
                                                   withDestinationURL: outside)
        guard case .refused(let reason) = try queue.claim("link.png", lane: .inference) else {
            Issue.record("symlink was not refused"); return
        }
        #expect(reason.contains("symbolic link"))
        #expect(try names(layout.failed) == ["link.error.json", "link.png"])
        #expect(try String(contentsOf: outside, encoding: .utf8) == "secret")
    }

    @Test func sidecarsTravelWithTheirImage() throws {
        try drop("scan.box.json", "[1,2,3,4]")
        try drop("scan.png")
        let item = try claimed(try queue.claim("scan.png", lane: .inference))
        #expect(item.sidecars == ["box.json"])
        #expect(try String(contentsOf: try #require(item.sidecar("box.json")), encoding: .utf8) == "[1,2,3,4]")
        try queue.complete(item)
        #expect(try names(layout.done) == ["scan.box.json", "scan.png"])
    }

    @Test func leftoversOfACrashKeepTheirStemsAndSidecars() throws {
        try drop("a.png"); try drop("a.points.json"); try drop("job.toml", lane: .training)
        _ = try queue.claim("a.png", lane: .inference)
        _ = try queue.claim("job.toml", lane: .training)
        // A new queue, as after a restart.
        let items = try SpoolQueue(layout: layout, version: "test").leftoverItems()
        #expect(items.map(\.stem) == ["a", "job"])
        #expect(items.map(\.lane) == [.inference, .training])
        #expect(items[0].sidecars == ["points.json"])
        try queue.returnToDropFolder(items[1])
        #expect(try names(layout.jobs) == ["job.toml"])
    }

    @Test func unusualFileNamesSurviveTheRoundTrip() throws {
        for name in ["with space.png", "ünïcødé 超音波.png", "new\nline.png"] {
            try drop(name, name)
            let item = try claimed(try queue.claim(name, lane: .inference))
            let done = try queue.complete(item)
            #expect(try String(contentsOf: done, encoding: .utf8) == name)
        }
        #expect(try names(layout.done).count == 3)
    }

    @Test func pendingListsOldestFirst() throws {
        try drop("b.png"); try drop("a.png")
        let old = Date(timeIntervalSinceNow: -60)
        try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: layout.inbox.appendingPathComponent("b.png").path)
        #expect(try queue.pending(.inference) == ["b.png", "a.png"])
    }

    @Test func attemptCountersPersistPerItemAndLeaveWithIt() throws {
        try drop("scan.png")
        try drop("scan.toml", lane: .training)
        let image = try claimed(try queue.claim("scan.png", lane: .inference))
        let job = try claimed(try queue.claim("scan.toml", lane: .training))
        #expect(queue.unfinishedAttempts(image) == 0)
        try queue.recordUnfinishedAttempts(image, 2)
        // Read back from disk, as a restarted daemon would; an image and a job with one stem are apart.
        #expect(SpoolQueue(layout: layout, version: "test").unfinishedAttempts(image) == 2)
        #expect(queue.unfinishedAttempts(job) == 0)
        #expect(try queue.leftoverItems().map(\.droppedName) == ["scan.png", "scan.toml"], "a counter is not an item")
        try queue.recordUnfinishedAttempts(job, 1)
        try queue.recordUnfinishedAttempts(job, 0)
        #expect(try names(queue.area) == ["scan.png", "scan.png.attempts", "scan.toml"])
        try queue.fail(image, stage: "crashed", error: "ended the daemon twice")
        #expect(try names(queue.area) == ["scan.toml"])
    }

    @Test func startUpRemovesCountersWhoseItemLeftWork() throws {
        try drop("kept.png")
        let kept = try claimed(try queue.claim("kept.png", lane: .inference))
        try queue.recordUnfinishedAttempts(kept, 1)
        try Data("1\n".utf8).write(to: queue.area.appendingPathComponent("gone.png.attempts"))
        let removed = queue.removeStaleTemporaries(leaseSeconds: 60)
        #expect(removed.map(\.lastPathComponent) == ["gone.png.attempts"])
        #expect(try names(queue.area) == ["kept.png", "kept.png.attempts"])
    }
}
