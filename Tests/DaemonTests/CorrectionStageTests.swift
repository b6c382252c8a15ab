import Daemon
import Formats
import Foundation
import Inference
import Logging
import Refiners
import Spool
import TestSupport
import Testing

/// A correction request in-process: a round replaces the mask and refined map and is logged;
/// redoing the same request (a crash before the input left work/) applies nothing twice; bad
/// points fail the request with the reason; without a corrector the request fails.
struct CorrectionStageTests {
    let layout: SpoolLayout
    let queue: SpoolQueue
    static var corrector: LoadedCorrector {
        LoadedCorrector(model: GRUCorrector(config: GRUCorrectorConfig(pointsPerSet: 8, hiddenSize: 4, radius: 2, gridSide: 32), seed: 5),
                        id: "tiny")
    }

    init() throws {
        layout = SpoolLayout(root: try TestPaths.temporaryDirectory("correction-stage"))
        try layout.createSkeleton()
        queue = SpoolQueue(layout: layout, version: "test")
        // scan's outputs as the image stage leaves them: lesion on the left of a 40×30 image.
        let probability: [Float] = (0..<1200).map { ($0 % 40) < 15 ? 0.8 : 0.1 }
        try NPY.write(NPYArray(float32: probability, shape: [30, 40]), to: layout.refined.appendingPathComponent("scan.npy"))
        try Data("png".utf8).write(to: layout.masks.appendingPathComponent("scan.png"))
        try Data("{\"input\": \"scan.png\"}".utf8).write(to: layout.logs.appendingPathComponent("scan.json"))
    }

    func request(_ json: String) throws -> SpoolItem {
        try Data(json.utf8).write(to: layout.inbox.appendingPathComponent("scan.points.json"))
        guard case .claimed(let item) = try queue.claim("scan.points.json", lane: .inference) else {
            throw SpoolError("scan.points.json", "not claimed")
        }
        return item
    }

    func rounds() throws -> [[String: Any]] {
        let log = try JSONSerialization.jsonObject(with: Data(contentsOf: layout.logs.appendingPathComponent("scan.json"))) as? [String: Any]
        #expect(log?["input"] as? String == "scan.png")
        return log?["corrections"] as? [[String: Any]] ?? []
    }

    @Test func aRoundReplacesTheOutputsOnceAndIsLogged() throws {
        let stage = CorrectionStage(layout: layout)
        let item = try request("{\"points\": [{\"x\": 20, \"y\": 12, \"label\": 1}]}")
        #expect(stage.process(item, corrector: Self.corrector, logger: Logger(label: "test")) == .done)
        let mask = try PNG.readGray(layout.masks.appendingPathComponent("scan.png"))
        #expect(mask.width == 40 && mask.height == 30)
        let refined = try NPY.read(layout.refined.appendingPathComponent("scan.npy"))
        #expect(refined.shape == [30, 40])
        #expect(zip(mask.pixels, refined.floats()).allSatisfy { ($0 != 0) == ($1 > 0.5) })
        #expect(try rounds().map { $0["round"] as? Int } == [1])

        // The same request again (its input still in work/ after a crash): nothing is applied twice.
        #expect(stage.process(item, corrector: Self.corrector, logger: Logger(label: "test")) == .done)
        #expect(try rounds().count == 1)
        #expect(try NPY.read(layout.refined.appendingPathComponent("scan.npy")).floats() == refined.floats())
        try queue.complete(item)

        let next = try request("{\"points\": [{\"x\": 35, \"y\": 25, \"label\": 0}]}")
        #expect(stage.process(next, corrector: Self.corrector, logger: Logger(label: "test")) == .done)
        #expect(try rounds().map { $0["round"] as? Int } == [1, 2])
        let state = try #require(try CorrectionStore.load(from: stage.stateFolder(stem: "scan"), corrector: Self.corrector.model,
                                                          correctorID: "tiny", imageWidth: 40, imageHeight: 30))
        #expect(state.session.round == 2 && state.session.clicks.map(\.positive) == [true, false])
    }

    @Test func malformedPointsOrNoCorrectorFailTheRequestWithTheReason() throws {
        let stage = CorrectionStage(layout: layout)
        let bad = try request("{\"points\": [{\"x\": 400, \"y\": 12, \"label\": 1}]}")
        guard case .failed(let where_, let error) = stage.process(bad, corrector: Self.corrector, logger: Logger(label: "test")) else {
            Issue.record("expected a failure")
            return
        }
        #expect(where_ == "prompts" && error.contains("scan.points.json") && error.contains("outside the 40×30 image"))
        try queue.fail(bad, stage: where_, error: error)
        let broken = try request("{not json")
        guard case .failed(let stage2, _) = stage.process(broken, corrector: Self.corrector, logger: Logger(label: "test")) else {
            Issue.record("expected a failure")
            return
        }
        #expect(stage2 == "prompts")
        try queue.fail(broken, stage: stage2, error: "x")
        let orphan = try request("{\"points\": [{\"x\": 1, \"y\": 1, \"label\": 1}]}")
        guard case .failed(_, let reason) = stage.process(orphan, corrector: nil, logger: Logger(label: "test")) else {
            Issue.record("expected a failure")
            return
        }
        #expect(reason.contains("no GRU corrector"))
        // Nothing was touched.
        #expect(try rounds().isEmpty)
    }
}
