import Durable
import Foundation
import Spool
import TestSupport
import Testing

@Test func submittedJobLandsInJobsWithoutTemporaryLeftovers() throws {
    let folder = try TestPaths.temporaryDirectory("submit")
    let layout = SpoolLayout(root: folder.appendingPathComponent("spool"))
    let source = folder.appendingPathComponent("train.toml")
    let text = "stage = \"prepare\"\nraw = \"/data/busi\"\n"
    try text.write(to: source, atomically: true, encoding: .utf8)
    let placed = try SpoolSubmission.submit(source, to: layout)
    #expect(placed == layout.jobs.appendingPathComponent("train.toml"))
    #expect(try String(contentsOf: placed, encoding: .utf8) == text)
    #expect(try FileManager.default.contentsOfDirectory(atPath: layout.jobs.path) == ["train.toml"])
}

@Test func resubmittingNeverOverwritesButAddsASuffix() throws {
    let folder = try TestPaths.temporaryDirectory("submit-twice")
    let layout = SpoolLayout(root: folder.appendingPathComponent("spool"))
    let image = folder.appendingPathComponent("case 1.png")
    try Data([0x89, 0x50, 0x4E, 0x47]).write(to: image)
    let first = try SpoolSubmission.submit(image, to: layout)
    try Data([1, 2, 3]).write(to: image)
    let second = try SpoolSubmission.submit(image, to: layout)
    #expect(first.lastPathComponent == "case 1.png" && second.lastPathComponent == "case 1-1.png")
    #expect(first.deletingLastPathComponent() == layout.inbox)
    #expect(try Data(contentsOf: first) == Data([0x89, 0x50, 0x4E, 0x47]))
    #expect(try Data(contentsOf: second) == Data([1, 2, 3]))
    #expect(try FileManager.default.contentsOfDirectory(atPath: layout.inbox.path).sorted() == ["case 1-1.png", "case 1.png"])
}

@Test func invalidJobIsRefusedAndNothingIsQueued() throws {
    let folder = try TestPaths.temporaryDirectory("submit-bad")
    let layout = SpoolLayout(root: folder.appendingPathComponent("spool"))
    try layout.createSkeleton()
    let source = folder.appendingPathComponent("train.toml")
    try "stage = \"train-transunet\"\ndataset = \"BUSI\"\n\nepochs = -3\n".write(to: source, atomically: true, encoding: .utf8)
    #expect(throws: FormatError("train.toml:4", "epochs must be a positive integer, got -3")) {
        try SpoolSubmission.submit(source, to: layout)
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: layout.jobs.path).isEmpty)
    let other = folder.appendingPathComponent("notes.txt")
    try "x".write(to: other, atomically: true, encoding: .utf8)
    #expect(throws: FormatError.self) { try SpoolSubmission.submit(other, to: layout) }
}

@Test func placedFileIsCompleteTheMomentItsNameAppears() async throws {
    // A watcher polling the folder while a large file is placed must only ever see the final
    // name with all bytes (or not see it), never a partial file under a visible name.
    let folder = try TestPaths.temporaryDirectory("submit-atomic")
    let payload = Data((0..<8_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
    let watcher = Task.detached { () -> [Int] in
        var seenSizes: [Int] = []
        let target = folder.appendingPathComponent("big.png").path
        let deadline = Date().addingTimeInterval(30)
        while seenSizes.isEmpty && Date() < deadline {
            if let size = (try? FileManager.default.attributesOfItem(atPath: target))?[.size] as? Int {
                seenSizes.append(size)
            }
        }
        return seenSizes
    }
    let placed = try SpoolSubmission.placeWithoutReplacing(payload, named: "big.png", in: folder)
    let sizes = await watcher.value
    #expect(sizes == [payload.count], "watcher saw sizes \(sizes)")
    #expect(try Data(contentsOf: placed) == payload)
    let visible = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { !$0.hasPrefix(".") }
    #expect(visible == ["big.png"])
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["big.png"])
}

@Test func spoolWatcherSeesTheSubmittedJob() throws {
    // The watcher acts only on IN_CLOSE_WRITE / IN_MOVED_TO; placement must raise one of them.
    let folder = try TestPaths.temporaryDirectory("submit-watch")
    let layout = SpoolLayout(root: folder.appendingPathComponent("spool"))
    try layout.createSkeleton()
    let watcher = try SpoolWatcher(layout: layout)
    let source = folder.appendingPathComponent("prep.toml")
    try "stage = \"prepare\"\nraw = \"/data\"\n".write(to: source, atomically: true, encoding: .utf8)
    try SpoolSubmission.submit(source, to: layout)
    var eligible: [SpoolEvent] = []
    for _ in 0..<20 where eligible.isEmpty {
        // The dot-temp's close is reported too; the queue's eligibility rule drops it.
        eligible = try watcher.next(timeout: 0.25).filter { event in
            guard case .arrived(let lane, let name) = event else { return true }
            return SpoolQueue.isEligible(name, lane: lane)
        }
    }
    #expect(eligible == [.arrived(lane: .training, name: "prep.toml")])
}
