import Daemon
import Durable
import Formats
import Foundation
import Inference
import Logging
import Spool
import TestSupport
import Testing

/// The inference stage in-process: outputs are all-or-nothing, and the environment's failures
/// postpone an item rather than failing it.
struct ImageStageTests {
    private func claimedImage(_ name: String) throws -> (SpoolLayout, SpoolItem) {
        let layout = SpoolLayout(root: try TestPaths.temporaryDirectory("image-stage"))
        try layout.createSkeleton()
        try drop(try TestWeights.phantomPNG(4), as: name, into: layout.inbox)
        guard case .claimed(let item) = try SpoolQueue(layout: layout, version: "test").claim(name, lane: .inference) else {
            throw SpoolError(name, "not claimed")
        }
        return (layout, item)
    }

    private var models: RefinementModels {
        get throws { try RefinementModels(transunet: TestWeights.files.transunet, sam: TestWeights.files.sam, samPreprocessing: .square(.sam)) }
    }

    @Test func aWriteFailureRemovesTheItemsEarlierOutputsAndPostpones() throws {
        let (layout, item) = try claimedImage("scan.png")
        var stage = ImageStage(layout: layout, maxPixels: 1 << 20, version: "test")
        let writes = Counter()
        stage.writeOutput = { data, url in
            // The third output (the coarse prediction) hits a full disk.
            if writes.increment() == 3 { throw FormatError(url, "cannot write: No space left on device") }
            try AtomicFile.write(data, to: url)
        }
        let outcome = stage.process(item, models: try models, logger: Logger(label: "test"))
        guard case .postponed(let reason) = outcome else { Issue.record("expected postponed, got \(outcome)"); return }
        #expect(reason.contains("No space left on device") && reason.contains("scan.npy"))
        for url in stage.outputs(stem: "scan") {
            #expect(!FileManager.default.fileExists(atPath: url.path), "\(url.lastPathComponent) left behind")
        }
        for folder in [layout.masks, layout.refined, layout.predictions, layout.logs] {
            #expect(allEntries(in: folder).isEmpty)
        }
        #expect(FileManager.default.fileExists(atPath: item.workURL.path), "the input is untouched")
    }

    @Test func anImageAboveThePixelLimitFailsFromItsHeader() throws {
        let (layout, item) = try claimedImage("big.png")
        let stage = ImageStage(layout: layout, maxPixels: 1000, version: "test")
        let outcome = stage.process(item, models: try models, logger: Logger(label: "test"))
        guard case .failed(let stageName, let error) = outcome else { Issue.record("expected failure, got \(outcome)"); return }
        #expect(stageName == "decode")
        #expect(error.contains("big.png") && error.contains("exceeds the limit of 1000"))
    }
}

/// A thread-safe count of calls.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func increment() -> Int { lock.withLock { value += 1; return value } }
}
