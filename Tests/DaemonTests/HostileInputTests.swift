import Daemon
import Foundation
import Formats
import Spool
import Testing
import TestSupport

/// Bad files end in `failed/` beside an error record naming the stage and the reason, good
/// files dropped among them still come out, and the daemon keeps running throughout.
extension DaemonProcessTests {
@Suite struct HostileInputTests {
    @Test func badFilesFailWithReasonsWhileGoodOnesStillComeOut() throws {
        let root = try TestPaths.temporaryDirectory("hostile")
        let spool = root.appendingPathComponent("spool")
        let layout = SpoolLayout(root: spool)
        try layout.createSkeleton()
        let daemon = try DaemonProcess(spool: spool)
        let good = try TestWeights.phantomPNG(2)

        // Inbox: broken images of every kind, interleaved with good ones under awkward names.
        var corrupt = good
        for offset in stride(from: 60, to: corrupt.count - 20, by: 7) { corrupt[offset] ^= 0x5A }
        try drop(corrupt, as: "corrupt.png", into: layout.inbox)
        try drop(good.prefix(good.count / 2), as: "truncated.png", into: layout.inbox)
        try drop(Data(), as: "empty.png", into: layout.inbox)
        try drop(Data("this is a text file, not an image\n".utf8), as: "text.png", into: layout.inbox)
        // The committed 20000×20000 header bomb of the PNG tests.
        let bomb = try Data(contentsOf: TestPaths.fixtures.appendingPathComponent("formats/bomb_20000x20000.png"))
        try drop(bomb, as: "bomb.png", into: layout.inbox)
        try drop(good, as: "with spaces.png", into: layout.inbox)
        try drop(good, as: "ünïcödé 超声.png", into: layout.inbox)
        try drop(good, as: "new\nline.png", into: layout.inbox)
        // A symlink pointing outside the spool, renamed in so the watcher sees it arrive.
        let outside = root.appendingPathComponent("outside.png")
        try good.write(to: outside)
        let staging = root.appendingPathComponent("link.png")
        try FileManager.default.createSymbolicLink(at: staging, withDestinationURL: outside)
        #expect(rename(staging.path, layout.inbox.appendingPathComponent("link.png").path) == 0)
        // Sidecars arrive before their image; a malformed one fails the image, a good one steers it.
        try drop(Data(#"{"box": [10, 10, 5, 5]}"#.utf8), as: "boxed.box.json", into: layout.inbox)
        try drop(good, as: "boxed.png", into: layout.inbox)
        try drop(Data(#"{"points": [{"x": 40, "y": 30, "label": 1}, {"x": 5, "y": 5, "label": 0}]}"#.utf8),
                 as: "clicked.points.json", into: layout.inbox)
        try drop(good, as: "clicked.png", into: layout.inbox)
        // Jobs: a syntax error, an unknown key, a bad value.
        try drop(Data("stage = \"prepare\"\nraw = \"x\"\nepochs = = 3\n".utf8), as: "syntax.toml", into: layout.jobs)
        try drop(Data(#"{"stage": "prepare", "raw": "x", "colour": "blue"}"#.utf8), as: "unknown.json", into: layout.jobs)
        try drop(Data("stage = \"train-transunet\"\ndataset = \"BUSI\"\nepochs = -4\n".utf8), as: "negative.toml", into: layout.jobs)

        let expectedFailures: [String: String] = [
            "corrupt": "decode", "truncated": "decode", "empty": "decode", "text": "decode", "bomb": "decode",
            "link": "claim", "boxed": "prompts", "syntax": "parse", "unknown": "parse", "negative": "parse",
        ]
        let expectedDone = ["clicked.png", "new\nline.png", "with spaces.png", "ünïcödé 超声.png"]
        // Each failed input sits beside its error record; the malformed sidecar travels with its image.
        #expect(eventually {
            files(in: layout.done).filter { $0.hasSuffix(".png") } == expectedDone
                && files(in: layout.failed).count == 2 * expectedFailures.count + 1
        },
                "done \(files(in: layout.done)), failed \(files(in: layout.failed)); log:\n\(daemon.log)")
        for (stem, stage) in expectedFailures {
            let record = try JSONSerialization.jsonObject(
                with: Data(contentsOf: layout.failed.appendingPathComponent("\(stem).error.json"))) as? [String: String] ?? [:]
            #expect(record["stage"] == stage, "\(stem): \(record)")
            #expect(record["version"] == UltraRefinerVersion.string && record["time"] != nil)
            #expect(record["error"]?.isEmpty == false)
        }
        let reasons = { (stem: String) in
            (try? String(contentsOf: layout.failed.appendingPathComponent("\(stem).error.json"), encoding: .utf8)) ?? ""
        }
        #expect(reasons("bomb").contains("20000") && reasons("bomb").contains("pixel"))
        #expect(reasons("link").contains("symbolic link"))
        #expect(reasons("syntax").contains("syntax.toml:3"))
        #expect(reasons("unknown").contains("colour"))
        #expect(reasons("negative").contains("epochs"))
        #expect(reasons("boxed").contains("boxed.box.json"))
        // The symlink itself moved, its target outside the spool is untouched and unread.
        #expect(FileManager.default.fileExists(atPath: outside.path))
        let clicked = try String(contentsOf: layout.logs.appendingPathComponent("clicked.json"), encoding: .utf8)
        #expect(clicked.contains("\"points_source\" : \"sidecar\""))
        #expect(files(in: layout.done).contains("clicked.points.json"))
        #expect(files(in: layout.failed).contains("boxed.box.json"))
        #expect(daemon.isRunning, "the daemon must survive bad input")
        // stderr carries the sd-daemon priority and the structured fields.
        #expect(daemon.log.contains("<3>") && daemon.log.contains("item=corrupt") && daemon.log.contains("stage=decode"))
        #expect(daemon.stop() == 0)
    }

    @Test(.enabled(if: Tmpfs.isAvailable, "needs root to mount a small tmpfs for the full-disk test"))
    func fullDiskPutsTheImageBackAndLeavesNothingHalfWritten() throws {
        let root = try TestPaths.temporaryDirectory("fulldisk")
        let mount = root.appendingPathComponent("disk")
        try Tmpfs.mount(mount, megabytes: 2)
        defer { Tmpfs.unmount(mount) }
        let spool = mount.appendingPathComponent("spool")
        let layout = SpoolLayout(root: spool)
        try layout.createSkeleton()
        try drop(try TestWeights.phantomPNG(3, width: 160, height: 140), as: "scan.png", into: layout.inbox)
        let filler = mount.appendingPathComponent("filler")
        try Tmpfs.fill(filler)

        let daemon = try DaemonProcess(spool: spool)
        #expect(eventually(timeout: 60) { daemon.log.contains("put back into inbox/") }, "log:\n\(daemon.log)")
        #expect(daemon.log.contains("No space left on device"))
        for folder in [layout.masks, layout.refined, layout.predictions, layout.logs, layout.failed, layout.done] {
            #expect(allEntries(in: folder).isEmpty, "\(folder.lastPathComponent): \(allEntries(in: folder))")
        }
        #expect(eventually(timeout: 10) { files(in: layout.inbox) == ["scan.png"] || claimedFiles(layout) == ["\(SpoolLease.hostName)/scan.png"] })

        try FileManager.default.removeItem(at: filler)
        #expect(eventually { files(in: layout.done) == ["scan.png"] }, "log:\n\(daemon.log)")
        for folder in [layout.masks, layout.refined, layout.predictions, layout.logs] {
            #expect(files(in: folder).count == 1)
        }
        #expect(daemon.stop() == 0)
    }
}
}

/// A small tmpfs to run out of space on (root only; the test is skipped otherwise).
enum Tmpfs {
    static let isAvailable: Bool = {
        guard let probe = try? TestPaths.temporaryDirectory("tmpfs-probe") else { return false }
        guard (try? mount(probe, megabytes: 1)) != nil else { return false }
        unmount(probe)
        return true
    }()

    static func mount(_ folder: URL, megabytes: Int) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let status = run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", folder.path])
        guard status == 0 else { throw SpoolError(folder.path, "mount tmpfs failed with status \(status)") }
    }

    static func unmount(_ folder: URL) { _ = run("/bin/umount", [folder.path]) }

    /// Writes zeros until the file system is full.
    static func fill(_ file: URL) throws {
        let fd = open(file.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw SpoolError(file.path, "cannot create filler") }
        defer { close(fd) }
        let block = [UInt8](repeating: 0, count: 4096)
        while write(fd, block, block.count) > 0 {}
    }

    private static func run(_ tool: String, _ arguments: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }
}
