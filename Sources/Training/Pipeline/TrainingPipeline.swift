import Durable
import Foundation
import Inference

/// The whole method on one prepared dataset, stage after stage, under one work folder:
///
/// ```
/// checkpoints/transunet/D/           phase 1 (fold{k}/model.safetensors, checkpoint.safetensors, oof/, …)
/// predictions/transunet/D/predictions/NAME.npy   out-of-fold maps, each training image once
/// checkpoints/sam_finetuned/fold_K/  phase 2 (best, last, metrics.jsonl)
/// checkpoints/ultrarefiner/fold_K/   phase 3 (best, last, metrics.jsonl)
/// runs/                              TensorBoard events of phases 2 and 3
/// evaluation/                        the joint model on the test split
/// evaluation/baseline/               phase 1's TransUNet with the refiner not fine-tuned
/// pipeline.json                      every stage's wall time and headline figures
/// ```
///
/// Every stage resumes on its own, so running the pipeline again after a stop continues it.
public enum TrainingPipeline {
    /// The stages in order.
    public enum Stage: String, Sendable, CaseIterable, Codable {
        case transunet, predict, refiner, e2e, evaluate
    }

    /// What the pipeline needs besides the preset.
    public struct Options: Sendable {
        /// `predictions/transunet/D/predictions/`.
        public var predictionsFolder: URL { workdir.appendingPathComponent("predictions/transunet/\(datasetName)/predictions") }
        public var dataset: URL
        public var workdir: URL
        public var preset: PipelinePreset
        /// The refiner's starting weights (default: LiteMedSAM from `make models`).
        public var sam: URL
        public var seed: UInt64

        public init(dataset: URL, workdir: URL, preset: PipelinePreset, sam: URL, seed: UInt64 = 1234) {
            self.dataset = dataset
            self.workdir = workdir
            self.preset = preset
            self.sam = sam
            self.seed = seed
        }

        var datasetName: String { dataset.lastPathComponent }
        var transunetFolder: URL { workdir.appendingPathComponent("checkpoints/transunet/\(datasetName)") }
        var transunetModel: URL { transunetFolder.appendingPathComponent("fold\(preset.refinerFold)/model.safetensors") }
    }

    /// `pipeline.json`: what each stage took and gave.
    public struct Record: Codable, Sendable {
        public var preset: PipelinePreset
        public var seconds: [String: Double] = [:]
        public var figures: [String: Double] = [:]
    }

    /// Runs the stages from `from` on; `progress` hears every training step, `report` every
    /// table and stage line.
    public static func run(_ options: Options, from first: Stage = .transunet,
                           progress: (TrainingProgress) throws -> Void,
                           report: (String) -> Void) throws -> Record {
        let preset = options.preset
        guard preset.folds.contains(preset.refinerFold) else {
            throw TrainingError("preset \(preset.name)", "phase 3 starts from fold \(preset.refinerFold)'s TransUNet, which phase 1 does not train")
        }
        try FileManager.default.createDirectory(at: options.workdir, withIntermediateDirectories: true)
        let recordFile = options.workdir.appendingPathComponent("pipeline.json")
        var record = (try? JSONFile.read(Record.self, from: recordFile)) ?? Record(preset: preset)
        record.preset = preset
        func timed(_ stage: Stage, _ body: () throws -> Void) throws {
            guard Stage.allCases.firstIndex(of: stage)! >= Stage.allCases.firstIndex(of: first)! else { return }
            report("== \(stage.rawValue)")
            let start = ContinuousClock.now
            try body()
            record.seconds[stage.rawValue] = start.duration(to: .now) / .seconds(1)
            try JSONFile.write(record, to: recordFile)
        }
        let base = RefinerPhaseOptions(
            dataset: options.dataset, fold: preset.refinerFold, sam: options.sam, workdir: options.workdir,
            epochs: preset.refinerEpochs, batchSize: preset.refinerBatchSize, seed: options.seed, encoder: preset.encoder,
            coarse: preset.coarse, outOfFold: options.predictionsFolder, coarseSide: preset.imageSize,
            maxTrainCases: preset.maxTrainCases)

        try timed(.transunet) {
            let result = try TransUNetTraining.run(TransUNetTrainingOptions(
                dataset: options.dataset, folds: preset.folds, preset: preset.transunetPreset,
                epochs: preset.transunetEpochs, output: options.transunetFolder, batchSize: preset.transunetBatchSize,
                learningRate: preset.transunetLearningRate, seed: options.seed, imageSize: preset.imageSize),
                progress: progress)
            record.figures["transunet_mean_val_dice"] = result.meanValDice
        }
        try timed(.predict) {
            let copied = try collectOutOfFold(options)
            report("out-of-fold maps: \(copied) in \(options.predictionsFolder.path)")
        }
        var refinerBest: URL?
        try timed(.refiner) {
            let result = try RefinerTraining.finetuneRefiner(base, progress: progress, report: report)
            record.figures["refiner_val_baseline_refined_dice"] = result.baselineRefinedDice
            record.figures["refiner_val_best_refined_dice"] = result.bestRefinedDice
            record.figures["refiner_val_coarse_dice"] = result.bestCoarseDice
            record.figures["refiner_seconds_per_sample"] = result.secondsPerSample
            record.figures["refiner_outside_model_share"] = result.outsideModelShare
            refinerBest = result.bestFile
        }
        var jointBest: URL?
        try timed(.e2e) {
            var e2e = base
            e2e.epochs = preset.endToEndEpochs
            e2e.learningRate = 1e-5
            e2e.transunet = options.transunetModel
            e2e.sam = refinerBest ?? options.workdir.appendingPathComponent(
                "checkpoints/\(RefinerTraining.refinerFolder)/fold_\(preset.refinerFold)/best.safetensors")
            let result = try RefinerTraining.endToEnd(e2e, progress: progress, report: report)
            record.figures["e2e_val_best_refined_dice"] = result.bestRefinedDice
            record.figures["e2e_val_best_coarse_dice"] = result.bestCoarseDice
            record.figures["e2e_seconds_per_sample"] = result.secondsPerSample
            jointBest = result.bestFile
        }
        try timed(.evaluate) {
            let joint = jointBest ?? options.workdir.appendingPathComponent(
                "checkpoints/\(RefinerTraining.endToEndFolder)/fold_\(preset.refinerFold)/best.safetensors")
            let evaluations: [(String, () throws -> RefinementModels, String)] = [
                ("evaluation", { try RefinementModels(ultrarefiner: joint) }, "test"),
                ("evaluation/baseline", { try RefinementModels(transunet: options.transunetModel, sam: options.sam) }, "test_baseline"),
            ]
            for (folder, models, key) in evaluations {
                let comparison = try evaluate(options, models: try models(), into: options.workdir.appendingPathComponent(folder))
                report("\(folder) (test split):\n\(comparison.table)")
                record.figures["\(key)_coarse_dice"] = comparison.coarseDice
                record.figures["\(key)_refined_dice"] = comparison.refinedDice
            }
        }
        try JSONFile.write(record, to: recordFile)
        return record
    }

    /// Copies phase 1's out-of-fold maps into the predictions folder; returns how many there are
    /// (none before phase 1 has written any).
    public static func collectOutOfFold(_ options: Options) throws -> Int {
        let source = options.transunetFolder.appendingPathComponent("oof")
        guard FileManager.default.fileExists(atPath: source.path) else {
            try FileManager.default.createDirectory(at: options.predictionsFolder, withIntermediateDirectories: true)
            return 0
        }
        return try copyOutOfFold(from: source, to: options.predictionsFolder)
    }

    /// Copies every `.npy` map of `source` (which must exist) into `target`, each atomically;
    /// returns how many.
    public static func copyOutOfFold(from source: URL, to target: URL) throws -> Int {
        let files = try FileManager.default.contentsOfDirectory(atPath: source.path).filter { $0.hasSuffix(".npy") }
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        for file in files {
            try AtomicFile.write(try Data(contentsOf: source.appendingPathComponent(file)), to: target.appendingPathComponent(file))
        }
        return files.count
    }

    /// The chain on the test split, written up in `folder`.
    static func evaluate(_ options: Options, models: RefinementModels, into folder: URL) throws -> CoarseRefinedComparison {
        let split = try EvaluationSplit.resolve("test", dataset: options.dataset)
        var report = EvaluationReport(provenance: [
            "TransUNet: \(models.transunetID)", "SAM: \(models.samID)", "SAM preprocessing: \(models.samPreprocessing)",
            "Dataset: \(options.dataset.path), split test (\(split.cases.count) images)",
        ])
        DatasetEvaluation.run(models: models, dataset: options.dataset, split: split, into: &report)
        try report.write(to: folder)
        return report.comparison
    }
}
