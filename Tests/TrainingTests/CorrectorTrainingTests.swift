import Foundation
import Refiners
import Tensor
import TestSupport
import Testing
@testable import Training

/// Seeded corrector training on small synthetic cases: the loss goes down, round counts
/// follow their weights, and a resumed run continues exactly where it stopped.
struct CorrectorTrainingTests {
    static let config = GRUCorrectorConfig(pointsPerSet: 24, hiddenSize: 16, uncertaintyMargin: 0.1, radius: 2, gridSide: 24)

    /// Eight 24×24 cases: a disc lesion, round 0 a smaller disc shifted off it with soft
    /// (uncertain) edges, so both missed lesion and false positives need clicks.
    static func cases() -> [CorrectionCase] {
        (0..<8).map { n in
            let cx = 10 + Double(n % 3), cy = 11 + Double(n % 2), r = 5 + Double(n % 3)
            let grid = CorrectionGrid(imageWidth: 24, imageHeight: 24, side: 24)
            let truth = (0..<576).map { i in hypot(Double(i % 24) - cx, Double(i / 24) - cy) <= r }
            let logits = (0..<576).map { i in
                Float(1.5 * (r - 2 - hypot(Double(i % 24) - cx - 3, Double(i / 24) - cy + 1)))
            }
            return CorrectionCase(name: "case\(n)", grid: grid, initialLogits: logits, truth: truth)
        }
    }

    static let options = CorrectorTrainingOptions(epochs: 12, batchSize: 4, learningRate: 3e-3, seed: 7)

    /// Epoch losses vary with the rounds drawn, so three-epoch means are compared.
    @Test func seededTrainingLowersTheLoss() throws {
        var training = CorrectorTraining(corrector: GRUCorrector(config: Self.config, seed: 1), options: Self.options)
        let losses = try training.train(Self.cases(), checkpoint: nil, metrics: nil)
        #expect(losses.count == 12)
        let first = losses.prefix(3).reduce(0, +) / 3, last = losses.suffix(3).reduce(0, +) / 3
        #expect(last < first * 0.85, "losses \(losses)")
    }

    @Test func roundCountsFollowTheirWeights() {
        var generator = SeededGenerator(seed: 3)
        var counts = [Int](repeating: 0, count: 6)
        for _ in 0..<14_000 { counts[CorrectorTraining.rounds(weights: [1, 2, 4, 4, 2, 1], generator: &generator)] += 1 }
        for (count, weight) in zip(counts, [1.0, 2, 4, 4, 2, 1]) {
            #expect(abs(Double(count) - weight * 1000) < 150, "\(counts)")
        }
    }

    @Test func aResumedRunEndsWhereAnUninterruptedOneDoes() throws {
        let folder = try TestPaths.temporaryDirectory("corrector-resume")
        defer { try? FileManager.default.removeItem(at: folder) }
        var straight = CorrectorTraining(corrector: GRUCorrector(config: Self.config, seed: 1), options: Self.options)
        let expected = try straight.train(Self.cases(), checkpoint: nil, metrics: nil)

        let checkpoint = folder.appendingPathComponent("last.safetensors"), metrics = folder.appendingPathComponent("metrics.jsonl")
        var shorter = Self.options
        shorter.epochs = 3
        var first = CorrectorTraining(corrector: GRUCorrector(config: Self.config, seed: 1), options: shorter)
        let head = try first.train(Self.cases(), checkpoint: checkpoint, metrics: metrics)
        var second = CorrectorTraining(corrector: GRUCorrector(config: Self.config, seed: 99), options: Self.options)
        let tail = try second.train(Self.cases(), checkpoint: checkpoint, metrics: metrics)
        #expect(head + tail == expected)
        for ((key, a), (_, b)) in zip(straight.corrector.namedParameters(), second.corrector.namedParameters()) {
            #expect(a.value.scalars == b.value.scalars, "\(key)")
        }
        #expect(try MetricsLog<CorrectorEpoch>(file: metrics).entries().map(\.epoch) == Array(1...Self.options.epochs))
    }
}
