import Datasets
import Formats
import Foundation
import NN
import Tensor
import TransUNetModel

/// Phase-1 training of one cross-validation fold, from its checkpoint if there is one, through
/// its final weights, out-of-fold probabilities and `result.json`.
struct FoldTraining {
    let options: TransUNetTrainingOptions
    let fold: Splits.Fold
    /// Position among the job's folds, and their number.
    let foldIndex: Int
    let foldCount: Int
    /// Iterations of the job's folds after this one, for the ETA.
    let iterationsAfter: Int
    let layout: JobLayout
    let samples: [String: TrainingSample]

    /// SGD steps per epoch: every training case once, the last batch possibly short.
    static func iterationsPerEpoch(trainCases: Int, batchSize: Int) -> Int {
        (trainCases + batchSize - 1) / batchSize
    }

    var iterationsPerEpoch: Int { Self.iterationsPerEpoch(trainCases: fold.train.count, batchSize: options.batchSize) }
    var totalIterations: Int { iterationsPerEpoch * options.epochs }
    private var seeds: TrainingSeeds { TrainingSeeds(seed: options.seed) }

    /// Trains `model` (freshly initialised from the job seed) through the fold.
    func run(_ model: TransUNet, clock: inout RemainingTime,
             progress: (TrainingProgress) throws -> Void) throws -> FoldResult {
        let config = model.config
        var optimizer = SGD(model.trainableParameters(), learningRate: options.learningRate,
                            momentum: TransUNetTrainingOptions.momentum,
                            weightDecay: TransUNetTrainingOptions.weightDecay)
        let checkpoint = layout.checkpoint(fold.fold)
        try FileManager.default.createDirectory(at: layout.folder(fold.fold), withIntermediateDirectories: true)
        var position = FoldPosition.start
        if FileManager.default.fileExists(atPath: checkpoint.path) {
            position = try FoldCheckpoint.read(checkpoint, into: model, optimizer: &optimizer)
        } else {
            try InitialWeights.load(options.initialCheckpoint, into: model)
        }
        let metrics = MetricsLog<EpochMetrics>(file: layout.metrics)
        try metrics.discard(fold: fold.fold, after: position.epochsCompleted)
        let log = try TrainingLog(jobFolder: layout.output, phase: TrainingProgress.transUNetPhase, fold: fold.fold)
        let schedule = PolyLearningRate(base: options.learningRate, totalIterations: totalIterations,
                                        power: TransUNetTrainingOptions.polyPower)
        let dropouts = model.namedModules().compactMap { $0.module as? Dropout }
        func save() throws {
            try FoldCheckpoint.write(model: model, optimizer: optimizer, fold: fold.fold, position: position,
                                     to: checkpoint)
        }

        let batches = TrainingBatches(samples: samples, augmentation: options.augmentation,
                                      seed: seeds.augmentation(fold: fold.fold), side: config.imageSize)
        let batchSize = options.batchSize
        var validation: Validation?
        while position.epochsCompleted < options.epochs {
            let epoch = position.epochsCompleted
            let order = Splits.shuffled(fold.train, seed: seeds.shuffle(fold: fold.fold, epoch: epoch))
            model.setTraining(true)
            // The epoch's remaining batches, built on another core while the steps run; dropped
            // (and its thread stopped) when the epoch ends or a stop is thrown.
            let first = position.iterationsInEpoch
            let loader = BackgroundLoader(count: iterationsPerEpoch - first,
                                          prefetch: TransUNetTrainingOptions.prefetchBatches) { offset in
                let start = (first + offset) * batchSize
                return batches.batch(order[start ..< min(start + batchSize, order.count)], epoch: epoch, firstIndex: start)
            }
            while position.iterationsInEpoch < iterationsPerEpoch {
                let step = position.iterationsInEpoch
                let iteration = epoch * iterationsPerEpoch + step
                var dropoutSeeds = seeds.dropout(fold: fold.fold, iteration: iteration)
                for dropout in dropouts { dropout.reseed(dropoutSeeds.next()) }
                optimizer.learningRate = schedule.rate(at: iteration)
                // The loader holds exactly one batch per remaining step.
                let loss = train(model, &optimizer, on: try loader.next()!)
                position.iterationsInEpoch += 1
                position.epochLossSumBits = (position.epochLossSum + loss).bitPattern
                clock.tick()
                try log.record([("loss", loss), ("lr", Double(optimizer.learningRate))], step: iteration + 1)
                let report = TrainingProgress(
                    fold: fold.fold, foldIndex: foldIndex, foldCount: foldCount, epoch: epoch + 1,
                    epochs: options.epochs, iteration: step + 1, iterationsPerEpoch: iterationsPerEpoch, loss: loss,
                    secondsRemaining: clock.estimate(remaining: totalIterations - iteration - 1 + iterationsAfter))
                do {
                    try progress(report)
                } catch {
                    // Stopped (SIGTERM, cancel): keep exactly this state so a rerun continues here.
                    try save()
                    throw error
                }
            }
            var line = EpochMetrics(fold: fold.fold, epoch: epoch + 1,
                                    loss: position.epochLossSum / Double(iterationsPerEpoch),
                                    lr: schedule.rate(at: (epoch + 1) * iterationsPerEpoch - 1))
            // Every epoch, for the TensorBoard curve; metrics.jsonl keeps only the final one.
            let validated = validate(model)
            try log.record([("val/dice", validated.meanDice)], step: (epoch + 1) * iterationsPerEpoch)
            if epoch + 1 == options.epochs {
                validation = validated
                line.valDice = validated.meanDice
            }
            try metrics.record(line)
            try log.flush()
            position = FoldPosition(epochsCompleted: epoch + 1, iterationsInEpoch: 0, epochLossSumBits: 0)
            try save()
        }
        return try finish(model, validation: validation ?? validate(model))
    }

    /// One SGD step on `batch`; returns its loss.
    private func train(_ model: TransUNet, _ optimizer: inout SGD, on batch: SegmentationBatch) -> Double {
        model.zeroGrad()
        let loss = Losses.transUNet(logits: model(batch.images), oneHotTargets: batch.targets).total
        loss.backward()
        optimizer.step()
        return Double(loss.scalars[0])
    }

    private func validate(_ model: TransUNet) -> Validation {
        Validation(model: model, cases: fold.val, samples: samples, batchSize: options.batchSize)
    }

    /// Writes the out-of-fold maps, the final weights and, last, the result that marks the fold done.
    private func finish(_ model: TransUNet, validation: Validation) throws -> FoldResult {
        let side = model.config.imageSize
        for (name, values) in validation.probabilities {
            // `oof/`, or `oof/DATASET/` when the job trains on several datasets.
            try FileManager.default.createDirectory(at: layout.oof(name).deletingLastPathComponent(),
                                                    withIntermediateDirectories: true)
            try NPY.write(NPYArray(float32: values, shape: [side, side]), to: layout.oof(name))
        }
        try model.save(to: layout.model(fold.fold), metadata: [
            "phase": FoldCheckpoint.phase, "fold": String(fold.fold), "preset": options.preset,
            "epochs": String(options.epochs), "val_dice": String(validation.meanDice),
        ])
        let result = FoldResult(fold: fold.fold, valDice: validation.meanDice, valCases: fold.val,
                                trainCases: fold.train.count, iterations: totalIterations,
                                model: JobLayout.model(fold.fold))
        try JSONFile.write(result, to: layout.result(fold.fold))
        return result
    }
}
