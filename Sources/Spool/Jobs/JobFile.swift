import Durable
import Foundation

/// A validated job file (`*.toml` or `*.json` dropped into `spool/jobs/`).
public struct JobFile: Sendable, Equatable {
    /// The spool stem of the file (`train.toml` → `train`), used in logs and `cancel`.
    public let jobID: String
    /// The file name, used in error messages.
    public let fileName: String
    /// What to run.
    public let stage: JobStage
    /// Name of a prepared dataset (e.g. `BUSI`).
    public let dataset: String?
    /// Cross-validation folds, a unique subset of 0...4 (all five when not given).
    public let folds: [Int]
    /// Model-size/training preset name (e.g. `cpu-small`).
    public let preset: String?
    /// Training epochs, positive.
    public let epochs: Int?
    /// On success, the daemon switches to the new weights.
    public let promote: Bool
    /// Optional training hyper-parameters; the stage's defaults apply when absent.
    public let batchSize: Int?
    public let learningRate: Double?
    public let seed: Int?
    /// Network input side for training (a multiple of 16); the preset's (224) when absent.
    public let imageSize: Int?
    /// Raw dataset folder, name and output folder for `prepare`.
    public let raw: String?
    public let name: String?
    public let out: String?
    /// Weights to start from or use.
    public let checkpoint: String?
    public let transunet: String?
    public let sam: String?
    /// Refiner phases: `frozen`, `lora` or `full`; `simulated`, `oof` or `mixed:SHARE`; the
    /// out-of-fold maps folder; a cap on training cases.
    public let encoder: String?
    public let coarse: String?
    public let oof: String?
    public let maxTrainCases: Int?
    /// Phase 2's loss: `standard`, `sum` (components with equal weights) or `uncertainty`
    /// (U-MedSAM's uncertainty-weighted multi-loss), the last two's components among `dice`,
    /// `bce`, `mse`, `shape`, and the uncertainty form, `paper` or `authors`.
    public let loss: String?
    public let losses: [String]?
    public let uncertaintyForm: String?
    /// Phase 2's prompts: `coarse` or `gt-box`, the latter's random outward box shift in pixels
    /// of the model's input frame.
    public let prompts: String?
    public let boxShift: Int?
    /// Phase 2's refiner: `sam` (SAM's mask decoder) or `imedsam` (I-MedSAM), and I-MedSAM's
    /// frequency adapter (`amplitude`, `phase` or `none`), LoRA on q and v (default on), its
    /// decoder's box-frame coordinates (default on) and the side of its training query grid.
    public let refiner: String?
    public let frequencyAdapter: String?
    public let lora: Bool?
    public let boxCoordinates: Bool?
    public let querySide: Int?
    /// Refiner phases: `adamw` or `sam-adamw` (sharpness-aware, radius `rho` > 0), and the
    /// schedule, `cosine` or `plateau`.
    public let optimizer: String?
    public let rho: Double?
    public let schedule: String?
    /// Evaluation: `test`, `train` or `valK`.
    public let split: String?

    /// Reads and validates the job file at `url`; the format follows the extension.
    public static func load(_ url: URL) throws -> JobFile {
        let bytes: [UInt8]
        do { bytes = Array(try Data(contentsOf: url)) } catch {
            throw FormatError(url.path, "cannot read job file: \(error.localizedDescription)")
        }
        return try parse(bytes, fileName: url.lastPathComponent)
    }

    /// Validates `bytes` read from `fileName`; errors read `fileName:line: reason`.
    public static func parse(_ bytes: [UInt8], fileName: String) throws -> JobFile {
        let document: LocatedDocument
        switch (fileName as NSString).pathExtension.lowercased() {
        case "toml":
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw FormatError("\(fileName):1", "job file is not UTF-8 text")
            }
            document = try TOMLSubsetParser.parse(text, path: fileName)
        case "json":
            document = try JSONJobParser.parse(bytes, path: fileName)
        default:
            throw FormatError(fileName, "job files must end in .toml or .json")
        }
        return try JobFile(DocumentReader(document, path: fileName),
                           jobID: (fileName as NSString).deletingPathExtension)
    }

    private init(_ reader: DocumentReader, jobID: String) throws {
        guard let stageName = try reader.string("stage") else {
            throw reader.error(nil, "missing key stage")
        }
        guard let stage = JobStage(rawValue: stageName) else {
            let names = JobStage.allCases.map(\.rawValue).joined(separator: " | ")
            throw reader.error("stage", "stage must be one of \(names), got \"\(stageName)\"")
        }
        try reader.rejectUnknownKeys(allowed: stage.allowedKeys.union(["stage"]))
        for key in stage.requiredKeys where !reader.has(key) {
            throw reader.error("stage", "stage \(stage.rawValue) needs key \(key)")
        }
        self.jobID = jobID
        self.fileName = reader.path
        self.stage = stage
        dataset = try reader.string("dataset")
        let folds = try reader.integers("folds") ?? Array(0...4)
        if let bad = folds.first(where: { !(0...4).contains($0) }) {
            throw reader.error("folds", "folds must be between 0 and 4, got \(bad)")
        }
        guard Set(folds).count == folds.count, !folds.isEmpty else {
            throw reader.error("folds", "folds must be a non-empty list without repeats, got \(folds)")
        }
        self.folds = folds
        preset = try reader.string("preset")
        epochs = try reader.positiveInteger("epochs")
        promote = try reader.bool("promote") ?? false
        batchSize = try reader.positiveInteger("batch_size")
        let learningRate = try reader.number("learning_rate")
        if let lr = learningRate, !(lr > 0 && lr < 1) {
            throw reader.error("learning_rate", "learning_rate must be in (0, 1), got \(lr)")
        }
        self.learningRate = learningRate
        let seed = try reader.integer("seed")
        if let seed, seed < 0 { throw reader.error("seed", "seed must be a non-negative integer, got \(seed)") }
        self.seed = seed
        let imageSize = try reader.positiveInteger("image_size")
        if let imageSize, imageSize % 16 != 0 {
            throw reader.error("image_size", "image_size must be a multiple of 16, got \(imageSize)")
        }
        self.imageSize = imageSize
        raw = try reader.string("raw")
        name = try reader.string("name")
        out = try reader.string("out")
        checkpoint = try reader.string("checkpoint")
        transunet = try reader.string("transunet")
        sam = try reader.string("sam")
        encoder = try reader.string("encoder")
        if let encoder, !["frozen", "lora", "full"].contains(encoder) {
            throw reader.error("encoder", "encoder must be frozen, lora or full, got \"\(encoder)\"")
        }
        coarse = try reader.string("coarse")
        oof = try reader.string("oof")
        maxTrainCases = try reader.positiveInteger("max_train_cases")
        // The words Training's `RefinerPhaseLoss.parse` and `PhaseOptimizer.parse` take, checked
        // here so a bad job is refused when it is dropped, with its line.
        loss = try reader.choice("loss", ["standard", "sum", "uncertainty"])
        losses = try reader.strings("losses")
        uncertaintyForm = try reader.choice("uncertainty_form", ["paper", "authors"])
        if loss != "uncertainty" && loss != "sum" && reader.has("losses") {
            throw reader.error("losses", "losses only applies with loss = \"sum\" or \"uncertainty\"")
        }
        if loss != "uncertainty" && reader.has("uncertainty_form") {
            throw reader.error("uncertainty_form", "uncertainty_form only applies with loss = \"uncertainty\"")
        }
        if let losses {
            let components = ["dice", "bce", "mse", "shape"]
            if losses.isEmpty { throw reader.error("losses", "losses must name at least one of \(components.joined(separator: ", "))") }
            if let bad = losses.first(where: { !components.contains($0) }) {
                throw reader.error("losses", "losses must be among \(components.joined(separator: ", ")), got \"\(bad)\"")
            }
            if Set(losses).count != losses.count { throw reader.error("losses", "losses must not repeat a component, got \(losses)") }
        }
        prompts = try reader.choice("prompts", ["coarse", "gt-box"])
        boxShift = try reader.integer("box_shift")
        if let boxShift {
            guard prompts == "gt-box" else { throw reader.error("box_shift", "box_shift only applies with prompts = \"gt-box\"") }
            guard boxShift >= 0 else { throw reader.error("box_shift", "box_shift must be 0 or more pixels, got \(boxShift)") }
        }
        refiner = try reader.choice("refiner", ["sam", "imedsam"])
        frequencyAdapter = try reader.choice("frequency_adapter", ["amplitude", "phase", "none"])
        lora = try reader.bool("lora")
        boxCoordinates = try reader.bool("box_coordinates")
        querySide = try reader.integer("query_side")
        for key in ["frequency_adapter", "lora", "box_coordinates", "query_side"] where reader.has(key) && refiner != "imedsam" {
            throw reader.error(key, "\(key) only applies with refiner = \"imedsam\"")
        }
        if let querySide, querySide < 4 { throw reader.error("query_side", "query_side must be at least 4, got \(querySide)") }
        optimizer = try reader.choice("optimizer", ["adamw", "sam-adamw"])
        rho = try reader.number("rho")
        if let rho {
            guard optimizer == "sam-adamw" else { throw reader.error("rho", "rho only applies with optimizer = \"sam-adamw\"") }
            guard rho > 0 else { throw reader.error("rho", "rho must be a positive number, got \(rho)") }
        }
        schedule = try reader.choice("schedule", ["cosine", "plateau"])
        split = try reader.string("split")
        for (key, value) in [("dataset", dataset), ("raw", raw), ("name", name), ("out", out),
                             ("checkpoint", checkpoint), ("transunet", transunet), ("sam", sam), ("preset", preset),
                             ("coarse", coarse), ("oof", oof), ("split", split)]
        where value?.isEmpty == true {
            throw reader.error(key, "\(key) must not be empty")
        }
    }
}
