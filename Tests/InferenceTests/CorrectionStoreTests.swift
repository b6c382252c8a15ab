import Durable
import Foundation
import Refiners
import SegmentAnything
import Tensor
import TestSupport
import Testing
@testable import Inference

/// A correction state survives a round trip through its folder, and is refused for another
/// image size or another corrector, with the file named.
struct CorrectionStoreTests {
    static var corrector: GRUCorrector { GRUCorrector(config: GRUCorrectorConfig(pointsPerSet: 8, hiddenSize: 4, radius: 2, gridSide: 32), seed: 5) }

    /// Round 0 from a 40×30 probability map with a lesion on the left, then one round.
    static func session(_ corrector: GRUCorrector = corrector) -> CorrectionSession {
        let probability: [Float] = (0..<1200).map { ($0 % 40) < 15 ? 0.8 : 0.1 }
        var session = CorrectionStore.start(probability: probability, imageWidth: 40, imageHeight: 30, corrector: corrector)
        CorrectionStore.correct(&session, points: [SAMPrompt.Point(x: 20, y: 12, label: .foreground)], corrector: corrector)
        return session
    }

    @Test func aStateRoundTripsThroughItsFolder() throws {
        let folder = try TestPaths.temporaryDirectory("correction-store")
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(try CorrectionStore.load(from: folder, corrector: Self.corrector, correctorID: "c", imageWidth: 40, imageHeight: 30) == nil)
        let corrector = Self.corrector
        let session = Self.session(corrector)
        #expect(session.grid.width == 32 && session.grid.height == 24 && session.round == 1)
        // The click at (20, 12) of 40×30 lands on grid pixel (16, 9).
        #expect(session.clicks == [CorrectionClick(x: 16, y: 9, positive: true)])
        try CorrectionStore.save(session, correctorID: "c", to: folder)
        let (loaded, request) = try #require(try CorrectionStore.load(from: folder, corrector: corrector, correctorID: "c",
                                                                      imageWidth: 40, imageHeight: 30))
        #expect(request == nil)
        #expect(loaded.logits == session.logits && loaded.clicks == session.clicks && loaded.round == 1)
        #expect(loaded.hidden.scalars == session.hidden.scalars && loaded.grid == session.grid)
    }

    @Test func aStateOfAnotherImageOrCorrectorIsRefused() throws {
        let folder = try TestPaths.temporaryDirectory("correction-store-refused")
        defer { try? FileManager.default.removeItem(at: folder) }
        try CorrectionStore.save(Self.session(), correctorID: "c", to: folder)
        #expect(throws: FormatError.self) {
            try CorrectionStore.load(from: folder, corrector: Self.corrector, correctorID: "c", imageWidth: 41, imageHeight: 30)
        }
        #expect(throws: FormatError.self) {
            try CorrectionStore.load(from: folder, corrector: Self.corrector, correctorID: "other", imageWidth: 40, imageHeight: 30)
        }
    }
}
