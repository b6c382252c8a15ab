import Foundation
import Testing
import TestSupport
@testable import Spool

/// A points file dropped alone after its image's mask exists is a correction request: listed,
/// claimed under the image's own stem, one at a time per image, and found again after a crash.
struct CorrectionRequestTests {
    let layout: SpoolLayout
    let queue: SpoolQueue

    init() throws {
        layout = SpoolLayout(root: try TestPaths.temporaryDirectory("spool-corrections"))
        try layout.createSkeleton()
        queue = SpoolQueue(layout: layout, version: "test")
    }

    func write(_ name: String, in folder: URL) throws {
        try Data("{\"points\": [{\"x\": 1, \"y\": 1, \"label\": 1}]}".utf8).write(to: folder.appendingPathComponent(name))
    }

    @Test func aLonePointsFileIsARequestOnlyOnceItsMaskExists() throws {
        try write("scan.points.json", in: layout.inbox)
        #expect(try queue.pending(.inference).isEmpty)
        try write("scan.png", in: layout.masks)
        #expect(try queue.pending(.inference) == ["scan.points.json"])
        // Beside its image it is that image's prompt override, not a request.
        try write("scan.png", in: layout.inbox)
        #expect(try queue.pending(.inference) == ["scan.png"])
    }

    @Test func aRequestIsClaimedUnderTheImagesStemAndFoundAgainAfterACrash() throws {
        try write("scan.png", in: layout.masks)
        try write("scan.points.json", in: layout.inbox)
        guard case .claimed(let item) = try queue.claim("scan.points.json", lane: .inference) else {
            Issue.record("not claimed")
            return
        }
        #expect(item.isCorrection && item.stem == "scan" && item.lane == .inference)
        #expect(item.workURL.lastPathComponent == "scan.points.json")
        #expect(try queue.leftoverItems() == [item])
        // A second request for the same image waits in the inbox while the first is claimed.
        try write("scan.points.json", in: layout.inbox)
        #expect(try queue.claim("scan.points.json", lane: .inference) == .busy)
        #expect(FileManager.default.fileExists(atPath: layout.inbox.appendingPathComponent("scan.points.json").path))
        // Failing it leaves the input and NAME.error.json in failed/.
        try queue.fail(item, stage: "prompts", error: "bad points")
        let failed = try FileManager.default.contentsOfDirectory(atPath: layout.failed.path).sorted()
        #expect(failed == ["scan.error.json", "scan.points.json"])
        guard case .claimed = try queue.claim("scan.points.json", lane: .inference) else {
            Issue.record("the waiting request was not claimed once the first had left")
            return
        }
    }
}
