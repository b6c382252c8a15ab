import Datasets
import Foundation
import Imaging
import NN
import Tensor

/// The settings every refiner phase shares.
struct PhaseSettings: Sendable {
    /// `refiner` (phase 2) or `e2e` (phase 3): the checkpoint metadata's phase and log prefix.
    var phase: String
    var fold: Int
    var epochs: Int
    var batchSize: Int
    var learningRate: Float
    var weightDecay: Float
    var seed: UInt64
    var optimizer: PhaseOptimizer
    var schedule: PhaseSchedule
    /// `checkpoints/<name>/fold_<k>/`: `last.safetensors`, `best.safetensors`, `metrics.jsonl`.
    var folder: URL
    /// The job folder, whose `runs/<phase>/fold_<k>/` receives the TensorBoard events.
    var workdir: URL
    /// Printed and compared on resume: a checkpoint only resumes under the options that made it.
    var signature: String
}

/// One line of a refiner phase's `metrics.jsonl`: a finished epoch (epoch 0 is the validation
/// of the starting weights).
struct PhaseEpochMetrics: Codable, Equatable, EpochRecord {
    var fold: Int
    var epoch: Int
    var loss: Double?
    var lr: Float?
    var validation: CoarseRefinedComparison
    /// The learned σ of each uncertainty-weighted loss component at the epoch's end (absent
    /// with the standard loss).
    var sigma: [String: Double]?
}

/// The loop of the refiner and end-to-end phases: AdamW (optionally sharpness-aware) with
/// cosine decay or a plateau schedule over shuffled training items, gradients accumulated over
/// a batch of single-item passes (each image has its own frame), validation before training
/// and after every epoch, the best weights by refined Dice, and an exact checkpoint after every
/// epoch and whenever `progress` throws.
struct PhaseLoop {
    let settings: PhaseSettings
    /// Everything `last.safetensors` holds.
    let model: any Module
    let parameters: [(key: String, parameter: Parameter)]
    /// The training cases' names; `step` takes an index into them.
    let trainNames: [String]
    /// Sets training/evaluation modes before the epoch's steps.
    var beginTraining: () -> Void
    /// Forward and backward of training item `item` (an index into the training cases) as
    /// sample number `sample` of the phase, its loss scaled by `scale`; returns the unscaled
    /// loss and the seconds spent outside the networks (making the coarse map and prompts).
    var step: (_ item: Int, _ sample: Int, _ scale: Float) throws -> (loss: Double, outsideModel: Double)
    /// Validation of the current weights (evaluation mode, no gradients).
    var validate: () throws -> CoarseRefinedComparison
    /// Writes the current weights as the phase's deliverable.
    var saveBest: (_ url: URL, _ metadata: [String: String]) throws -> Void
    /// The learned σ's of an uncertainty-weighted loss by component name, logged every epoch;
    /// nil when the loss has none.
    var sigmas: (() -> [String: Double])? = nil

    var trainCount: Int { trainNames.count }
    var iterationsPerEpoch: Int { (trainCount + settings.batchSize - 1) / settings.batchSize }
    var last: URL { settings.folder.appendingPathComponent("last.safetensors") }
    var best: URL { settings.folder.appendingPathComponent("best.safetensors") }
    var metricsFile: URL { settings.folder.appendingPathComponent("metrics.jsonl") }

    /// What a finished phase reports.
    struct Result {
        var baseline: CoarseRefinedComparison
        var best: CoarseRefinedComparison
        var bestEpoch: Int
        var bestFile: URL
        /// This run's training samples, their seconds (forward, backward and the optimiser's
        /// share) and the seconds of those spent outside the networks.
        var samples = 0
        var sampleSeconds = 0.0
        var outsideModelSeconds = 0.0
    }

    func run(progress: (TrainingProgress) throws -> Void, report: (String) -> Void) throws -> Result {
        let total = iterationsPerEpoch * settings.epochs
        let cosine = CosineLearningRate(base: settings.learningRate, totalIterations: total)
        var optimizer = AdamW(parameters, learningRate: settings.learningRate, weightDecay: settings.weightDecay)
        let metrics = MetricsLog<PhaseEpochMetrics>(file: metricsFile)
        let events = try TrainingLog(jobFolder: settings.workdir, phase: settings.phase, fold: settings.fold)
        func logValidation(_ summary: CoarseRefinedComparison, step: Int) throws {
            try events.record(summary.scalars(prefix: "val").sorted { $0.key < $1.key }.map { (tag: $0.key, value: $0.value) },
                              step: step)
            try events.flush()
        }
        var position: PhasePosition
        var bestSummary: CoarseRefinedComparison
        if FileManager.default.fileExists(atPath: last.path) {
            position = try PhaseCheckpoint.read(last, into: model, optimizer: &optimizer, signature: settings.signature)
            try metrics.discard(fold: settings.fold, after: position.epochsCompleted)
            bestSummary = try metrics.entries().first { $0.epoch == position.bestEpoch }?.validation ?? position.baseline
            report(position.epochsCompleted == settings.epochs
                   ? "\(settings.phase) fold \(settings.fold) already trained (\(settings.epochs) epochs, best epoch \(position.bestEpoch))"
                   : "resuming \(settings.phase) fold \(settings.fold) at epoch \(position.epochsCompleted + 1), iteration \(position.iterationsInEpoch + 1)")
        } else {
            try FileManager.default.createDirectory(at: settings.folder, withIntermediateDirectories: true)
            let baseline = try validate()
            report("\(settings.phase) fold \(settings.fold), before training:\n\(baseline.table)")
            position = PhasePosition(epochsCompleted: 0, iterationsInEpoch: 0, epochLossSumBits: 0,
                                     bestDice: baseline.refinedDice, bestEpoch: 0, baseline: baseline,
                                     plateau: settings.schedule == .plateau ? PlateauLearningRate(base: settings.learningRate) : nil)
            bestSummary = baseline
            try metrics.record(PhaseEpochMetrics(fold: settings.fold, epoch: 0, validation: baseline))
            try logValidation(baseline, step: 0)
            try saveBest(best, metadata(epoch: 0, summary: baseline))
        }
        func rate(at iteration: Int) -> Float { position.plateau?.rate ?? cosine.rate(at: iteration) }
        func save() throws {
            try PhaseCheckpoint.write(model: model, optimizer: optimizer, position: position, phase: settings.phase,
                                      fold: settings.fold, signature: settings.signature, to: last)
        }

        var clock = RemainingTime()
        let index = Dictionary(uniqueKeysWithValues: trainNames.enumerated().map { ($1, $0) })
        var samples = 0, sampleSeconds = 0.0, outsideModelSeconds = 0.0
        while position.epochsCompleted < settings.epochs {
            let epoch = position.epochsCompleted
            let order = Splits.shuffled(trainNames, seed: TrainingSeeds(seed: settings.seed).shuffle(fold: settings.fold, epoch: epoch))
                .map { index[$0]! }
            beginTraining()
            while position.iterationsInEpoch < iterationsPerEpoch {
                let iteration = epoch * iterationsPerEpoch + position.iterationsInEpoch
                let start = position.iterationsInEpoch * settings.batchSize
                let items = order[start..<min(start + settings.batchSize, trainCount)]
                optimizer.learningRate = rate(at: iteration)
                // The batch's passes; sharpness-aware steps run them twice, and the loss is the
                // first run's (at the weights being updated).
                var passLosses: [Double] = []
                func accumulate() throws {
                    var sum = 0.0
                    for (offset, item) in items.enumerated() {
                        let cost = try step(item, epoch * trainCount + start + offset, 1 / Float(items.count))
                        sum += cost.loss
                        outsideModelSeconds += cost.outsideModel
                    }
                    passLosses.append(sum / Double(items.count))
                }
                let stepStart = ContinuousClock.now
                switch settings.optimizer {
                case .adamw:
                    for p in parameters { p.parameter.zeroGrad() }
                    try accumulate()
                    optimizer.step()
                case .sharpnessAware(let rho):
                    var sharpnessAware = SharpnessAware(optimizer, parameters: parameters, rho: rho)
                    try sharpnessAware.step(accumulating: accumulate)
                    optimizer = sharpnessAware.base
                }
                let loss = passLosses[0]
                samples += items.count
                sampleSeconds += stepStart.duration(to: .now) / .seconds(1)
                position.iterationsInEpoch += 1
                position.epochLossSumBits = (position.epochLossSum + loss).bitPattern
                clock.tick()
                try events.record([("loss", loss), ("lr", Double(optimizer.learningRate))], step: iteration + 1)
                let update = TrainingProgress(
                    fold: settings.fold, foldIndex: 0, foldCount: 1, epoch: epoch + 1, epochs: settings.epochs,
                    iteration: position.iterationsInEpoch, iterationsPerEpoch: iterationsPerEpoch, loss: loss,
                    secondsRemaining: clock.estimate(remaining: total - iteration - 1), phase: settings.phase)
                do {
                    try progress(update)
                } catch {
                    try save()
                    throw error
                }
            }
            let summary = try validate()
            let meanLoss = position.epochLossSum / Double(iterationsPerEpoch)
            let sigma = sigmas?()
            let line = PhaseEpochMetrics(fold: settings.fold, epoch: epoch + 1, loss: meanLoss,
                                         lr: rate(at: (epoch + 1) * iterationsPerEpoch - 1), validation: summary,
                                         sigma: sigma)
            position.plateau?.record(meanLoss)
            report("\(settings.phase) fold \(settings.fold) epoch \(epoch + 1)/\(settings.epochs), "
                   + String(format: "mean loss %.4f:\n", line.loss ?? 0) + summary.table)
            if summary.refinedDice > position.bestDice {
                position.bestDice = summary.refinedDice
                position.bestEpoch = epoch + 1
                bestSummary = summary
                try saveBest(best, metadata(epoch: epoch + 1, summary: summary))
            }
            try metrics.record(line)
            if let sigma {
                try events.record(sigma.sorted { $0.key < $1.key }.map { (tag: "sigma/" + $0.key, value: $0.value) },
                                  step: (epoch + 1) * iterationsPerEpoch)
            }
            try logValidation(summary, step: (epoch + 1) * iterationsPerEpoch)
            position.epochsCompleted = epoch + 1
            position.iterationsInEpoch = 0
            position.epochLossSumBits = 0
            try save()
        }
        return Result(baseline: position.baseline, best: bestSummary, bestEpoch: position.bestEpoch, bestFile: best,
                      samples: samples, sampleSeconds: sampleSeconds, outsideModelSeconds: outsideModelSeconds)
    }

    private func metadata(epoch: Int, summary: CoarseRefinedComparison) -> [String: String] {
        ["phase": settings.phase, "fold": String(settings.fold), "epoch": String(epoch),
         "val_refined_dice": String(summary.refinedDice), "val_coarse_dice": String(summary.coarseDice),
         "options": settings.signature]
    }
}
