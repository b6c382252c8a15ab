import Datasets
import Durable
import Formats
import Foundation
import Logging
import Spool
import Training
import TransUNetModel

/// The training lane's work on one claimed job file: parse and validate it (errors name the
/// file, line and reason), then run its stage with outputs under `out/jobs/JOBID/`.
public struct JobRunner: Sendable {
    public let layout: SpoolLayout
    /// Where datasets live; a job's relative `raw`/`out` paths and dataset names resolve here.
    public let dataRoot: URL

    public init(layout: SpoolLayout, dataRoot: URL) {
        self.layout = layout
        self.dataRoot = dataRoot
    }

    /// What a finished job asks of the daemon.
    public struct Result: Sendable, Equatable {
        public var outcome: ItemOutcome
        /// Weights to switch to (a `promote = true` training job that succeeded).
        public var promoted: PromotedWeights?
    }

    /// Runs the job in `item`.
    public func process(_ item: SpoolItem, control: JobControl, logger: Logger) -> Result {
        let job: JobFile
        do {
            job = try JobFile.parse(Array(try Data(contentsOf: item.workURL)), fileName: item.droppedName)
        } catch {
            return Result(outcome: .failed(stage: "parse", error: "\(error)"))
        }
        let folder = layout.jobOutputs.appendingPathComponent(item.stem)
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try control.checkInterruption()
            control.report("\(job.stage.rawValue) started", fields: ["stage": job.stage.rawValue], force: true)
            let report = try run(job, folder: folder, control: control, logger: logger)
            try AtomicFile.write(try JSONSerialization.data(withJSONObject: report.record, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]),
                                 to: folder.appendingPathComponent("report.json"))
            control.report("\(job.stage.rawValue) finished", fields: ["stage": job.stage.rawValue, "finished": true], force: true)
            return Result(outcome: .done, promoted: job.promote ? report.promotable : nil)
        } catch JobInterruption.cancelled {
            control.clearCancelRequest()
            return Result(outcome: .failed(stage: job.stage.rawValue, error: "cancelled by user (ultrarefiner cancel)"))
        } catch JobInterruption.shutdown {
            return Result(outcome: .interrupted)
        } catch {
            return Result(outcome: .failed(stage: job.stage.rawValue, error: "\(error)"))
        }
    }

    /// A finished stage's report and, for training, the weights it offers for promotion.
    struct StageReport {
        var record: [String: Any]
        var promotable: PromotedWeights?
    }

    private func run(_ job: JobFile, folder: URL, control: JobControl, logger: Logger) throws -> StageReport {
        switch job.stage {
        case .prepare:
            return try prepare(job, control: control, logger: logger)
        case .trainTransUNet:
            return try trainTransUNet(job, folder: folder, control: control, logger: logger)
        case .predict:
            return try predict(job, folder: folder)
        case .finetuneSAM:
            return try finetuneRefiner(job, folder: folder, control: control, logger: logger)
        case .trainE2E:
            return try trainEndToEnd(job, folder: folder, control: control, logger: logger)
        case .pipeline:
            return try pipeline(job, folder: folder, control: control, logger: logger)
        case .evaluate:
            return try evaluate(job, folder: folder, control: control, logger: logger)
        }
    }

    /// `stage = "prepare"`: builds `DATA_ROOT/NAME` (or `out/NAME`) from the raw folder.
    private func prepare(_ job: JobFile, control: JobControl, logger: Logger) throws -> StageReport {
        let raw = resolve(job.raw!)
        let name = job.name ?? job.dataset ?? raw.lastPathComponent
        let output = job.out.map(resolve) ?? dataRoot
        let options = PreparationOptions(raw: raw, name: name, output: output, seed: UInt64(job.seed ?? 42))
        let report = try control.unmonitored { try DatasetPreparation.prepare(options) }
        guard let installed = report.folder else {
            throw FormatError(raw, "no usable image/mask pairs found; nothing was written")
        }
        logger.info("prepared dataset \(name) at \(installed.path)",
                    metadata: ["cases": "\(report.cases.cases.count)"])
        return StageReport(record: ["stage": "prepare", "dataset": installed.path, "cases": report.cases.cases.count,
                                    "excluded": report.cases.excluded.count])
    }

    /// `stage = "train-transunet"`: phase 1 over the dataset's folds, checkpointing every
    /// iteration it is interrupted at, so a restarted daemon resumes it exactly.
    private func trainTransUNet(_ job: JobFile, folder: URL, control: JobControl, logger: Logger) throws -> StageReport {
        // Keys the job leaves out keep the training's own defaults.
        var options = TransUNetTrainingOptions(
            dataset: resolve(job.dataset!), folds: job.folds, preset: job.preset ?? "cpu-small", epochs: job.epochs!,
            output: folder, initialCheckpoint: job.checkpoint.map(resolve), imageSize: job.imageSize)
        if let batchSize = job.batchSize { options.batchSize = batchSize }
        if let learningRate = job.learningRate { options.learningRate = Float(learningRate) }
        if let seed = job.seed { options.seed = UInt64(seed) }
        let report = try TransUNetTraining.run(options, progress: progressReporter(job, control: control))
        for fold in report.folds {
            logger.info("fold \(fold.fold): validation Dice \(String(format: "%.4f", fold.valDice))",
                        metadata: ["dice": "\(fold.valDice)", "stage": "\(job.stage.rawValue)"])
        }
        logger.notice("trained TransUNet: mean validation Dice \(String(format: "%.4f", report.meanValDice)), best fold \(report.bestFold)",
                      metadata: ["dice": "\(report.meanValDice)", "stage": "\(job.stage.rawValue)"])
        let data = try JSONEncoder().encode(report)
        let record = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
        return StageReport(record: record, promotable: PromotedWeights(transunet: folder.appendingPathComponent(report.modelToPromote)))
    }

    /// Reports each training step to `status`/`STATUS=` and stops the job at its next step
    /// when cancelled or shutting down (training checkpoints first).
    func progressReporter(_ job: JobFile, control: JobControl) -> (TrainingProgress) throws -> Void {
        { progress in
            control.report(Self.summary(progress), fields: [
                "stage": job.stage.rawValue, "phase": progress.phase, "fold": progress.fold,
                "fold_index": progress.foldIndex, "fold_count": progress.foldCount, "epoch": progress.epoch,
                "epochs": progress.epochs, "iteration": progress.iteration,
                "iterations_per_epoch": progress.iterationsPerEpoch, "loss": progress.loss,
                "seconds_remaining": progress.secondsRemaining ?? -1,
            ])
            try control.checkInterruption()
        }
    }

    /// `fold 0 (1/5) epoch 3/150 iteration 10/80 loss 0.4123 ETA 1h02m`, for `STATUS=` and `status`.
    static func summary(_ p: TrainingProgress) -> String {
        guard let seconds = p.secondsRemaining, seconds.isFinite else { return p.position }
        let total = Int(seconds.rounded())
        return p.position + (total >= 3600 ? " ETA \(total / 3600)h\(String(format: "%02d", total % 3600 / 60))m"
                                           : " ETA \(total / 60)m\(String(format: "%02d", total % 60))s")
    }

    /// A job path: absolute as given, relative ones against the data root.
    func resolve(_ path: String) -> URL {
        path.hasPrefix("/") ? URL(fileURLWithPath: path) : dataRoot.appendingPathComponent(path)
    }
}
