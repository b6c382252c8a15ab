import Foundation
import NN
import Refiners
import Tensor

/// How the corrector is trained.
public struct CorrectorTrainingOptions: Sendable, Codable, Equatable {
    public var epochs: Int
    /// Cases whose gradients are summed before one AdamW step.
    public var batchSize: Int
    public var learningRate: Float
    public var weightDecay: Float
    /// Weight of the consistency term in the loss. Below about 30 the corrector's rewrites of
    /// uncertain points eroded small lesions; 30 and 100 did equally well (README).
    public var consistencyWeight: Float
    /// Relative frequency of 0, 1, … rounds per training episode: the issue's "2–3 most often,
    /// 1 or 4 less often, 0 or 5 rarely".
    public var roundWeights: [Double]
    public var seed: UInt64

    public init(epochs: Int = 20, batchSize: Int = 8, learningRate: Float = 1e-3, weightDecay: Float = 1e-4,
                consistencyWeight: Float = 30, roundWeights: [Double] = [1, 2, 4, 4, 2, 1], seed: UInt64 = 0) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.weightDecay = weightDecay
        self.consistencyWeight = consistencyWeight
        self.roundWeights = roundWeights
        self.seed = seed
    }
}

/// One line of the corrector's `metrics.jsonl`: a finished epoch.
struct CorrectorEpoch: Codable, Equatable, EpochRecord {
    var fold = 0
    var epoch: Int
    /// Mean over the epoch's rounds of each loss term.
    var loss: Double
    var dice: Double
    var bce: Double
    var consistency: Double
    /// Rounds trained in the epoch (episodes of 0 rounds contribute none).
    var rounds: Int
    var seconds: Double
}

/// Trains a GRU corrector on simulated interactions: per case, a number of rounds drawn from
/// `roundWeights`, each round's click placed by `ClickSimulation` on the current mask, the
/// loss of every round summed over the episode (so gradients flow back through the GRU state).
public struct CorrectorTraining {
    public let corrector: GRUCorrector
    public let options: CorrectorTrainingOptions
    private var optimizer: AdamW

    public init(corrector: GRUCorrector, options: CorrectorTrainingOptions) {
        self.corrector = corrector
        self.options = options
        optimizer = AdamW(corrector.trainableParameters(), learningRate: options.learningRate,
                          weightDecay: options.weightDecay)
    }

    /// The number of rounds for one episode, drawn from `roundWeights`.
    static func rounds(weights: [Double], generator: inout SeededGenerator) -> Int {
        let total = weights.reduce(0, +)
        var u = generator.uniform() * total
        for (count, weight) in weights.enumerated() {
            if u < weight { return count }
            u -= weight
        }
        return weights.count - 1
    }

    /// One simulated interaction on `example` with `rounds` rounds; returns the summed loss
    /// (recorded) and the per-term sums, or nil when no round ran (0 rounds, or a round-0
    /// mask already equal to the truth).
    func episode(_ example: CorrectionCase, rounds: Int) -> (total: Tensor, terms: [Double], rounds: Int)? {
        var session = CorrectionSession(grid: example.grid, logits: example.initialLogits, corrector: corrector)
        let truth = example.truth.map { $0 ? Float(1) : 0 }
        let initial = session.probabilities
        var total: Tensor?, terms = [0.0, 0.0, 0.0], ran = 0
        for _ in 0..<rounds {
            guard let click = ClickSimulation.nextClick(prediction: session.mask, truth: example.truth,
                                                        width: example.grid.width, height: example.grid.height) else { break }
            let before = session.probabilities
            let round = session.correct(with: [click], corrector: corrector)
            let loss = CorrectorLoss(round: round, before: before, initial: initial, truth: truth,
                                     consistencyWeight: options.consistencyWeight)
            total = total.map { $0 + loss.total } ?? loss.total
            for (i, term) in [loss.dice, loss.pointBCE, loss.consistency].enumerated() { terms[i] += Double(term.item) }
            ran += 1
        }
        return total.map { ($0, terms, ran) }
    }

    /// One epoch over `cases` in a seeded order; returns the epoch's record.
    mutating func epoch(_ number: Int, cases: [CorrectionCase]) -> CorrectorEpoch {
        let start = DispatchTime.now().uptimeNanoseconds
        var generator = SeededGenerator(seed: options.seed).derived(UInt64(number))
        let order = cases.indices.shuffled(using: &generator)
        var sums = [0.0, 0.0, 0.0], totalLoss = 0.0, rounds = 0, pending = 0
        corrector.zeroGrad()
        for (position, index) in order.enumerated() {
            let count = Self.rounds(weights: options.roundWeights, generator: &generator)
            if let result = episode(cases[index], rounds: count) {
                result.total.backward()
                totalLoss += Double(result.total.item)
                for i in 0..<3 { sums[i] += result.terms[i] }
                rounds += result.rounds
                pending += 1
            }
            if pending > 0 && (pending == options.batchSize || position == order.count - 1) {
                // Mean over the batch's episodes, as a batched loss would give.
                for (_, p) in corrector.trainableParameters() { p.grad = p.grad.map { $0 / Float(pending) } }
                optimizer.step()
                corrector.zeroGrad()
                pending = 0
            }
        }
        let n = Double(max(rounds, 1))
        return CorrectorEpoch(epoch: number, loss: totalLoss / n, dice: sums[0] / n, bce: sums[1] / n,
                              consistency: sums[2] / n, rounds: rounds,
                              seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }

    /// Trains until `options.epochs` epochs are done: from `checkpoint` (a `PhaseCheckpoint`
    /// with the weights, the AdamW moments and the epochs completed) when it exists, else from
    /// the start, rewriting it and `metrics` after every epoch. `progress` hears of every epoch.
    /// Returns the mean loss of each epoch this call ran.
    public mutating func train(_ cases: [CorrectionCase], checkpoint: URL?, metrics: URL?,
                               progress: (_ record: String) -> Void = { _ in }) throws -> [Double] {
        var done = 0
        if let checkpoint, FileManager.default.fileExists(atPath: checkpoint.path) {
            let position: CorrectorPosition = try PhaseCheckpoint.read(checkpoint, into: corrector, optimizer: &optimizer,
                                                                      signature: signature)
            done = position.epochsCompleted
        }
        if let metrics { try MetricsLog<CorrectorEpoch>(file: metrics).discard(fold: 0, after: done) }
        var losses: [Double] = []
        for number in stride(from: done + 1, through: options.epochs, by: 1) {
            let record = epoch(number, cases: cases)
            losses.append(record.loss)
            if let checkpoint {
                try PhaseCheckpoint.write(model: corrector, optimizer: optimizer, position: CorrectorPosition(epochsCompleted: number),
                                          phase: Self.phase, fold: 0, signature: signature, to: checkpoint)
            }
            if let metrics { try MetricsLog<CorrectorEpoch>(file: metrics).record(record) }
            progress(String(format: "epoch %d/%d: loss %.4f (dice %.4f, bce %.4f, consistency %.4f) over %d rounds, %.1f s",
                            number, options.epochs, record.loss, record.dice, record.bce, record.consistency, record.rounds,
                            record.seconds))
        }
        return losses
    }

    /// The `phase` metadata of the corrector's training checkpoints.
    public static let phase = "corrector"

    /// What a resumed run must share with the one that wrote the checkpoint: everything but
    /// the number of epochs, which a resume may extend.
    var signature: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        var shared = options
        shared.epochs = 0
        let parts = [(try? encoder.encode(corrector.config)), (try? encoder.encode(shared))]
        return parts.map { String(decoding: $0 ?? Data(), as: UTF8.self) }.joined(separator: " ")
    }
}

/// Where corrector training stands: whole epochs only (an epoch takes seconds).
struct CorrectorPosition: Codable, Equatable {
    var epochsCompleted: Int
}
