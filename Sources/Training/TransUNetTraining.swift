import Datasets
import Foundation
import TransUNetModel

/// Phase-1 training of TransUNet over cross-validation folds, as the original recipe does it:
/// SGD (momentum 0.9, weight decay 1e-4) with a poly schedule, loss 0.5·CE + 0.5·Dice, then
/// out-of-fold probabilities and validation Dice per fold.
public enum TransUNetTraining {
    /// Runs (or resumes) training. `progress` is called after every iteration; if it throws,
    /// training checkpoints its exact current state and rethrows that error (the daemon uses this
    /// for SIGTERM and cancel). Calling run again with the same options resumes from that state.
    public static func run(_ options: TransUNetTrainingOptions,
                           progress: (TrainingProgress) throws -> Void) throws -> TrainingReport {
        let config = try modelConfig(options)
        let sources = try TrainingSources(options.datasets)
        let folds = try options.folds.map { try sources.fold($0) }
        let layout = JobLayout(output: options.output)
        try FileManager.default.createDirectory(at: options.output, withIntermediateDirectories: true)
        try JobSignature(options, imageSize: config.imageSize).claim(layout.signature)

        let done = try folds.map { fold -> FoldResult? in
            let file = layout.result(fold.fold)
            return FileManager.default.fileExists(atPath: file.path) ? try JSONFile.read(FoldResult.self, from: file) : nil
        }
        let pending = folds.indices.filter { done[$0] == nil }
        var samples: [String: TrainingSample]?
        func iterations(_ index: Int) -> Int {
            options.epochs * FoldTraining.iterationsPerEpoch(trainCases: folds[index].train.count, batchSize: options.batchSize)
        }

        var clock = RemainingTime()
        var results = done
        for index in pending {
            let model = try TransUNet(config, seed: TrainingSeeds(seed: options.seed).weights)
            if samples == nil {
                // Read through the predictor so training sees exactly the inputs inference will.
                let names = pending.flatMap { folds[$0].train + folds[$0].val }
                samples = try sources.loadAll(names, predictor: TransUNetPredictor(model: model))
            }
            let training = FoldTraining(
                options: options, fold: folds[index], foldIndex: index, foldCount: folds.count,
                iterationsAfter: pending.filter { $0 > index }.map(iterations).reduce(0, +),
                layout: layout, samples: samples!)
            results[index] = try training.run(model, clock: &clock, progress: progress)
        }
        let report = makeReport(options, config: config, results: results.map { $0! })
        try JSONFile.write(report, to: layout.report)
        return report
    }

    /// The preset's configuration at the requested input size, with options checked first so a
    /// bad job fails before anything is written.
    static func modelConfig(_ options: TransUNetTrainingOptions) throws -> TransUNetConfig {
        guard var config = TransUNet.preset(named: options.preset) else {
            throw TrainingError("preset '\(options.preset)'", "unknown model preset (known: \(TransUNet.presetList))")
        }
        if let size = options.imageSize {
            config = config.withImageSize(size)
            do { try config.validate() } catch {
                throw TrainingError("image size \(size)", "\(error)")
            }
        }
        if options.folds.isEmpty { throw TrainingError("folds", "no fold to train") }
        if Set(options.folds).count != options.folds.count {
            throw TrainingError("folds \(options.folds)", "a fold is listed twice")
        }
        if options.epochs < 1 { throw TrainingError("epochs \(options.epochs)", "must be at least 1") }
        if options.batchSize < 1 { throw TrainingError("batch size \(options.batchSize)", "must be at least 1") }
        if !(options.learningRate > 0 && options.learningRate.isFinite) {
            throw TrainingError("learning rate \(options.learningRate)", "must be a positive number")
        }
        return config
    }

    private static func makeReport(_ options: TransUNetTrainingOptions, config: TransUNetConfig,
                                   results: [FoldResult]) -> TrainingReport {
        var best = 0
        for index in results.indices where results[index].valDice > results[best].valDice { best = index }
        return TrainingReport(
            preset: options.preset, imageSize: config.imageSize, epochs: options.epochs,
            batchSize: options.batchSize, learningRate: options.learningRate, seed: options.seed,
            folds: results, bestFold: results[best].fold,
            meanValDice: results.map(\.valDice).reduce(0, +) / Double(results.count),
            modelToPromote: results[best].model)
    }
}
