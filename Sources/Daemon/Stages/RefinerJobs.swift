import Foundation
import Inference
import Logging
import Refiners
import SegmentAnything
import Spool
import Training
import TransUNetModel

/// Weights a `promote = true` job switches the inference lane to: TransUNet, the refiner, or
/// both together (the end-to-end phase trains them as a pair).
public struct PromotedWeights: Sendable, Equatable {
    public var transunet: URL?
    public var sam: URL?

    public init(transunet: URL? = nil, sam: URL? = nil) {
        self.transunet = transunet
        self.sam = sam
    }
}

extension JobRunner {
    /// `stage = "predict"`: gathers a phase-1 job's out-of-fold maps (`checkpoint` names its
    /// folder) into this job's `predictions/`, where `finetune-sam` jobs read them as `oof`.
    func predict(_ job: JobFile, folder: URL) throws -> StageReport {
        let target = folder.appendingPathComponent("predictions")
        let count = try TrainingPipeline.copyOutOfFold(from: resolve(job.checkpoint!).appendingPathComponent("oof"), to: target)
        return StageReport(record: ["stage": "predict", "maps": count, "predictions": target.path])
    }

    /// The refiner phases' options from the job's keys; unset keys keep the phase defaults.
    func refinerOptions(_ job: JobFile, folder: URL, learningRate: Float) throws -> RefinerPhaseOptions {
        var options = RefinerPhaseOptions(
            dataset: resolve(job.dataset!), fold: job.folds.first ?? 0,
            sam: job.sam.map(resolve) ?? ModelSelection.baseLiteMedSAM, workdir: folder,
            epochs: job.epochs ?? 1, learningRate: Float(job.learningRate ?? Double(learningRate)),
            maxTrainCases: job.maxTrainCases)
        if let batchSize = job.batchSize { options.batchSize = batchSize }
        if let seed = job.seed { options.seed = UInt64(seed) }
        if let encoder = job.encoder.flatMap(EncoderTraining.init(rawValue:)) { options.encoder = encoder }
        if let imageSize = job.imageSize { options.coarseSide = imageSize }
        if let coarse = job.coarse {
            guard let source = CoarseSource(coarse) else {
                throw TrainingError(job.fileName, "coarse must be simulated, oof or mixed:SHARE (0…1), got \"\(coarse)\"")
            }
            options.coarse = source
        }
        options.outOfFold = job.oof.map(resolve)
        options.optimizer = try jobChoice(job) { try PhaseOptimizer.parse(job.optimizer, rho: job.rho, keys: ("optimizer", "rho")) }
        if let schedule = job.schedule.flatMap(PhaseSchedule.init(rawValue:)) { options.schedule = schedule }
        return options
    }

    /// A setting parsed by Training's shared parser, its errors naming the job file.
    private func jobChoice<Value>(_ job: JobFile, _ parse: () throws -> Value) throws -> Value {
        do {
            return try parse()
        } catch let error as TrainingError {
            throw TrainingError(job.fileName, error.description)
        }
    }

    /// `stage = "finetune-sam"`: phase 2; promotes the fine-tuned refiner.
    func finetuneRefiner(_ job: JobFile, folder: URL, control: JobControl, logger: Logger) throws -> StageReport {
        var options = try refinerOptions(job, folder: folder, learningRate: 1e-4)
        options.loss = try jobChoice(job) {
            try RefinerPhaseLoss.parse(job.loss, components: job.losses, form: job.uncertaintyForm,
                                       keys: ("loss", "losses", "uncertainty_form"))
        }
        options.prompts = try jobChoice(job) { try PhasePrompts.parse(job.prompts, shift: job.boxShift, keys: ("prompts", "box_shift")) }
        options.imedsam = try jobChoice(job) {
            try IMedSAMTrainingOptions.parse(refiner: job.refiner, frequencyAdapter: job.frequencyAdapter, lora: job.lora,
                                             boxCoordinates: job.boxCoordinates, querySide: job.querySide,
                                             keys: ("refiner", "frequency_adapter", "lora", "box_coordinates", "query_side"))
        }
        let report = try RefinerTraining.finetuneRefiner(
            options,
            progress: progressReporter(job, control: control), report: { logger.info("\($0)") })
        logger.notice("fine-tuned the refiner: validation refined Dice \(String(format: "%.4f", report.bestRefinedDice)) (before: \(String(format: "%.4f", report.baselineRefinedDice)))",
                      metadata: ["dice": "\(report.bestRefinedDice)", "stage": "\(job.stage.rawValue)"])
        return StageReport(record: Self.record(report, stage: job.stage), promotable: PromotedWeights(sam: report.bestFile))
    }

    /// `stage = "train-e2e"`: phase 3; promotes TransUNet and the refiner together, split out
    /// of the joint checkpoint so the inference lane loads them as it loads any pair.
    func trainEndToEnd(_ job: JobFile, folder: URL, control: JobControl, logger: Logger) throws -> StageReport {
        var options = try refinerOptions(job, folder: folder, learningRate: 1e-5)
        options.transunet = resolve(job.transunet!)
        let report = try RefinerTraining.endToEnd(options, progress: progressReporter(job, control: control),
                                                  report: { logger.info("\($0)") })
        logger.notice("trained end to end: validation refined Dice \(String(format: "%.4f", report.bestRefinedDice))",
                      metadata: ["dice": "\(report.bestRefinedDice)", "stage": "\(job.stage.rawValue)"])
        return StageReport(record: Self.record(report, stage: job.stage),
                           promotable: try Self.splitJoint(report.bestFile, into: folder.appendingPathComponent("promoted")))
    }

    /// `stage = "pipeline"`: every phase with a pipeline preset (`preset`, default `cpu`).
    func pipeline(_ job: JobFile, folder: URL, control: JobControl, logger: Logger) throws -> StageReport {
        let name = job.preset ?? PipelinePreset.cpu.name
        guard let preset = PipelinePreset.named(name) else {
            throw TrainingError(job.fileName, "preset \"\(name)\" is not a pipeline preset (\(PipelinePreset.names))")
        }
        let record = try TrainingPipeline.run(
            TrainingPipeline.Options(dataset: resolve(job.dataset!), workdir: folder, preset: preset,
                                     sam: job.sam.map(resolve) ?? ModelSelection.baseLiteMedSAM,
                                     seed: UInt64(job.seed ?? 1234)),
            progress: progressReporter(job, control: control), report: { logger.info("\($0)") })
        let joint = folder.appendingPathComponent("checkpoints/\(RefinerTraining.endToEndFolder)/fold_\(preset.refinerFold)/best.safetensors")
        return StageReport(record: ["stage": "pipeline", "preset": name, "seconds": record.seconds, "figures": record.figures],
                           promotable: try Self.splitJoint(joint, into: folder.appendingPathComponent("promoted")))
    }

    /// `stage = "evaluate"`: the chain on a split (`split`, default `test`), with `transunet`
    /// and `sam` (defaults: the daemon's base LiteMedSAM) or a joint `checkpoint`.
    func evaluate(_ job: JobFile, folder: URL, control: JobControl, logger: Logger) throws -> StageReport {
        let dataset = resolve(job.dataset!)
        let models: RefinementModels
        if let joint = job.checkpoint {
            models = try RefinementModels(ultrarefiner: resolve(joint))
        } else {
            guard let transunet = job.transunet else {
                throw TrainingError(job.fileName, "evaluate needs transunet (with sam) or a joint checkpoint")
            }
            models = try RefinementModels(transunet: resolve(transunet),
                                          sam: job.sam.map(resolve) ?? ModelSelection.baseLiteMedSAM)
        }
        let split = try EvaluationSplit.resolve(job.split ?? "test", dataset: dataset)
        var report = EvaluationReport(provenance: ["TransUNet: \(models.transunetID)", "SAM: \(models.samID)",
                                                   "Dataset: \(dataset.path), split \(split.name)"])
        DatasetEvaluation.run(models: models, dataset: dataset, split: split, into: &report) { position, name, _ in
            control.report("evaluate \(position)/\(split.cases.count) \(name)", fields: ["stage": job.stage.rawValue])
        }
        try report.write(to: folder.appendingPathComponent("evaluation"))
        let comparison = report.comparison
        logger.notice("evaluated \(report.cases.count) images: coarse Dice \(String(format: "%.4f", comparison.coarseDice)), refined \(String(format: "%.4f", comparison.refinedDice))",
                      metadata: ["dice": "\(comparison.refinedDice)", "stage": "\(job.stage.rawValue)"])
        return StageReport(record: ["stage": "evaluate", "images": report.cases.count, "failures": report.failures.count,
                                    "coarse_dice": comparison.coarseDice, "refined_dice": comparison.refinedDice])
    }

    static func record(_ report: RefinerTraining.Report, stage: JobStage) -> [String: Any] {
        ["stage": stage.rawValue, "train_cases": report.trainCases, "val_cases": report.valCases,
         "baseline_coarse_dice": report.baselineCoarseDice, "baseline_refined_dice": report.baselineRefinedDice,
         "best_coarse_dice": report.bestCoarseDice, "best_refined_dice": report.bestRefinedDice,
         "best_epoch": report.bestEpoch, "best": report.bestFile.path]
    }

    /// Writes a joint checkpoint's two networks as their own files.
    static func splitJoint(_ joint: URL, into folder: URL) throws -> PromotedWeights {
        let model = try UltraRefinerModel.load(contentsOf: joint)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let weights = PromotedWeights(transunet: folder.appendingPathComponent("transunet.safetensors"),
                                      sam: folder.appendingPathComponent("sam.safetensors"))
        try model.transunet.save(to: weights.transunet!, metadata: ["source": joint.path])
        try model.sam.save(to: weights.sam!, metadata: ["source": joint.path])
        return weights
    }
}
