import Datasets
import Foundation
import Formats
import Logging
import Spool

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
        /// TransUNet weights to switch to (a `promote = true` training job that succeeded).
        public var promotedTransUNet: URL?
    }

    /// Runs the job in `item`.
    public func process(_ item: SpoolItem, control: JobControl, logger: Logger) -> Result {
        let job: JobFile
        do {
            job = try JobFile.parse(Array(try Data(contentsOf: item.workURL)), fileName: item.droppedName)
            try job.validateAvailable()
        } catch {
            return Result(outcome: .failed(stage: "parse", error: ImageStage.describe(error)))
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
            return Result(outcome: .done, promotedTransUNet: job.promote ? report.promotable : nil)
        } catch JobInterruption.cancelled {
            control.clearCancelRequest()
            return Result(outcome: .failed(stage: job.stage.rawValue, error: "cancelled by user (ultrarefiner cancel)"))
        } catch JobInterruption.shutdown {
            return Result(outcome: .interrupted)
        } catch {
            return Result(outcome: .failed(stage: job.stage.rawValue, error: ImageStage.describe(error)))
        }
    }

    /// A finished stage's report and, for training, the weights it offers for promotion.
    struct StageReport {
        var record: [String: Any]
        var promotable: URL?
    }

    private func run(_ job: JobFile, folder: URL, control: JobControl, logger: Logger) throws -> StageReport {
        switch job.stage {
        case .prepare:
            return try prepare(job, control: control, logger: logger)
        default:
            // validateAvailable() admits only the stages handled above.
            throw FormatError(job.fileName, "stage \(job.stage.rawValue) is not available in this version")
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

    /// A job path: absolute as given, relative ones against the data root.
    func resolve(_ path: String) -> URL {
        path.hasPrefix("/") ? URL(fileURLWithPath: path) : dataRoot.appendingPathComponent(path)
    }
}
