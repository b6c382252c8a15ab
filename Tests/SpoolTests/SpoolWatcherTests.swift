import Foundation
import Testing
import TestSupport
@testable import Spool

/// inotify reports only files that finished arriving.
struct SpoolWatcherTests {
    @Test func closedWritesAndRenamesInAreReportedHalfWrittenFilesAreNot() throws {
        let layout = SpoolLayout(root: try TestPaths.temporaryDirectory("watch"))
        try layout.createSkeleton()
        let watcher = try SpoolWatcher(layout: layout)

        // Half-written: open and write, but do not close yet.
        let partial = layout.inbox.appendingPathComponent("slow.png")
        let fd = open(partial.path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        #expect(fd >= 0)
        let bytes = [UInt8](repeating: 1, count: 100)
        #expect(write(fd, bytes, bytes.count) == 100)
        let early = try watcher.next(timeout: 0.2)
        #expect(!early.contains(.arrived(lane: .inference, name: "slow.png")))

        close(fd)
        let staged = layout.root.appendingPathComponent("job.toml")
        try Data("stage = \"prepare\"".utf8).write(to: staged)
        try FileManager.default.moveItem(at: staged, to: layout.jobs.appendingPathComponent("job.toml"))

        var seen: [SpoolEvent] = []
        for _ in 0..<10 where seen.count < 2 { seen += try watcher.next(timeout: 0.5) }
        #expect(seen.contains(.arrived(lane: .inference, name: "slow.png")))
        #expect(seen.contains(.arrived(lane: .training, name: "job.toml")))
    }

    @Test func idleWaitTimesOutWithNoEvents() throws {
        let layout = SpoolLayout(root: try TestPaths.temporaryDirectory("watch"))
        try layout.createSkeleton()
        #expect(try SpoolWatcher(layout: layout).next(timeout: 0.05).isEmpty)
    }
}
