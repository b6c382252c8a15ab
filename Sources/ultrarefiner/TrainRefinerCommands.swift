import ArgumentParser
import Foundation
import Imaging
import SegmentAnything
import Training

/// `ultrarefiner train`: the method's phases. Without a subcommand it is phase 1 (`transunet`),
/// so the flags of earlier releases keep working.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train: TransUNet over folds (phase 1), the refiner (phase 2), end to end (phase 3), the GRU click corrector.",
        subcommands: [TrainCommand.self, TrainPredict.self, TrainRefiner.self, TrainEndToEnd.self, TrainPipeline.self,
                      TrainCorrector.self],
        defaultSubcommand: TrainCommand.self)
}

/// The options phases 2 and 3 share.
struct RefinerPhaseArguments: ParsableArguments {
    @Option(help: "A prepared dataset folder (with splits.json); several, comma-separated, train together.")
    var dataset: String

    @Flag(help: "No augmentation (applied only when the encoder trains: a frozen encoder's cached embeddings admit none).")
    var noAugment = false

    @Option(help: "The fold of splits.json whose training cases train and whose validation cases choose the best epoch.")
    var fold = 0

    @Option(help: "The refiner's starting weights (LiteMedSAM/SAM/MedSAM .pth or our .safetensors).")
    var sam = "models/base/lite_medsam.pth"

    @Option(help: "The work folder: checkpoints/, the embedding cache.")
    var workdir: String

    @Option(help: "Epochs.")
    var epochs: Int

    @Option(help: "Images per optimiser step.")
    var batchSize = 4

    @Option(help: "AdamW weight decay.")
    var weightDecay: Float = 0.01

    @Option(help: "Seed of the shuffles, simulated coarse maps and adapters.")
    var seed: UInt64 = 1234

    @Option(help: "Image encoder: frozen (embeddings cached once per image), lora, or full.")
    var encoder: EncoderTraining = .frozen

    @Option(help: "Side of the square coarse grid (TransUNet's input side).")
    var coarseSide = 224

    @Option(help: "Train on at most this many of the fold's training cases (a seeded choice).")
    var maxTrainCases: Int?

    @Option(help: "Validate on at most this many of the fold's validation cases (a seeded choice).")
    var maxValCases: Int?

    @Option(help: "Folder for cached image embeddings (default WORKDIR/cache/sam_embeddings).")
    var embeddingCache: String?

    @Option(help: "Optimiser: adamw, or sam-adamw (sharpness-aware AdamW, U-MedSAM's: two forward/backward passes per step).")
    var optimizer = "adamw"

    @Option(help: "Sharpness-aware radius rho, with --optimizer sam-adamw (default 0.05).")
    var rho: Double?

    @Option(help: "Learning-rate schedule: cosine, or plateau (x0.9 after more than 5 epochs without a lower mean training loss).")
    var schedule: PhaseSchedule = .cosine

    func validate() throws { _ = try phaseOptimizer() }

    func phaseOptimizer() throws -> PhaseOptimizer {
        try commandLineChoice { try PhaseOptimizer.parse(optimizer, rho: rho, keys: ("--optimizer", "--rho")) }
    }

    func options(learningRate: Float) throws -> RefinerPhaseOptions {
        let datasets = dataset.split(separator: ",").map { URL(fileURLWithPath: String($0)) }
        var options = RefinerPhaseOptions(
            dataset: datasets[0], fold: fold, sam: URL(fileURLWithPath: sam),
            workdir: URL(fileURLWithPath: workdir), epochs: epochs, batchSize: batchSize, learningRate: learningRate,
            weightDecay: weightDecay, seed: seed, encoder: encoder, coarseSide: coarseSide,
            maxTrainCases: maxTrainCases, embeddingCache: embeddingCache.map { URL(fileURLWithPath: $0) },
            augmentation: noAugment ? nil : Augmentation(), additionalDatasets: Array(datasets.dropFirst()))
        options.optimizer = try phaseOptimizer()
        options.schedule = schedule
        options.maxValCases = maxValCases
        return options
    }
}

/// A setting parsed by the Training module's shared parser (which job files use too), its
/// errors shown as usage errors.
func commandLineChoice<Value>(_ parse: () throws -> Value) throws -> Value {
    do {
        return try parse()
    } catch let error as TrainingError {
        throw ValidationError(error.description)
    }
}

extension EncoderTraining: ExpressibleByArgument {}
extension PhaseSchedule: ExpressibleByArgument {}

/// `ultrarefiner train refiner`: phase 2.
struct TrainRefiner: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refiner",
        abstract: "Phase 2: fine-tune the refiner on simulated failures (A), out-of-fold maps (B) or both, or on ground-truth boxes.",
        discussion: """
            Writes WORKDIR/checkpoints/sam_finetuned/fold_K/best.safetensors (a SAM checkpoint \
            `infer --sam` takes), last.safetensors (exact state; rerunning resumes from it) and \
            metrics.jsonl; with --refiner imedsam, checkpoints/imedsam/fold_K/ (best.safetensors \
            holds the adapters, LoRA and implicit decoder, over the --sam base). The first \
            validation is of the refiner before fine-tuning, given the same coarse prompts.
            """)

    @OptionGroup var common: RefinerPhaseArguments

    @Option(help: "AdamW learning rate (cosine decay).")
    var lr: Float = 1e-4

    @Option(help: "Coarse masks: simulated (A), oof (B) or mixed:SHARE (A+B, SHARE of samples from B).")
    var coarse = "simulated"

    @Option(help: "Phase 1's out-of-fold probability maps (NAME.npy), for oof and mixed.")
    var oof: String?

    @Option(help: "Loss: standard (BCE + Dice + IoU MSE + change penalty), sum (the --losses components, equally weighted) or uncertainty (U-MedSAM's multi-loss with learned weights).")
    var loss = "standard"

    @Option(help: "With --loss sum or uncertainty: the components, comma-separated, among dice, bce, mse, shape (default dice,bce for sum, all four for uncertainty).")
    var losses: String?

    @Option(help: "With --loss uncertainty: paper (sum L/(2 sigma^2) + log prod sigma) or authors (0.5 L/sigma^2 + log(1 + sigma^2)).")
    var uncertaintyForm: String?

    @Option(help: "Prompts: coarse (the prompt generator on the coarse masks) or gt-box (the ground-truth box alone, MedSAM-Lite's and U-MedSAM's setting; the coarse table column is then the box as a mask).")
    var prompts = "coarse"

    @Option(help: "With --prompts gt-box: each box side moves outwards by a random 0...N pixels of the model's input frame per sample (default 5).")
    var boxShift: Int?

    @Option(help: "Refiner: sam (SAM's mask decoder) or imedsam (I-MedSAM: frequency adapters, q/v LoRA and the implicit decoder over the frozen SAM).")
    var refiner: String?

    @Option(help: "With --refiner imedsam: the frequency adapter's spectrum part, amplitude (default), phase, or none.")
    var frequencyAdapter: String?

    @Flag(help: "With --refiner imedsam: no LoRA on the encoder's query and value projections.")
    var noLora = false

    @Flag(help: "With --refiner imedsam: the implicit decoder sees the box only through its prompt embedding, as in the paper (no box-frame coordinates per point).")
    var noBoxCoordinates = false

    @Option(help: "With --refiner imedsam: an I-MedSAM checkpoint over the same --sam to start from (its decoder, and the adapters both have), e.g. a decoder trained alone on cached embeddings.")
    var startFrom: String?

    @Option(help: "With --refiner imedsam: side of the grid of query points each training image is supervised at (default 64).")
    var querySide: Int?

    func validate() throws {
        _ = try phaseLoss()
        _ = try phasePrompts()
        _ = try imedsamOptions()
    }

    func imedsamOptions() throws -> IMedSAMTrainingOptions? {
        var options = try commandLineChoice {
            try IMedSAMTrainingOptions.parse(refiner: refiner, frequencyAdapter: frequencyAdapter, lora: noLora ? false : nil,
                                             boxCoordinates: noBoxCoordinates ? false : nil, querySide: querySide,
                                             keys: ("--refiner", "--frequency-adapter", "--no-lora", "--no-box-coordinates", "--query-side"))
        }
        if let startFrom {
            guard options != nil else { throw ValidationError("--start-from only applies with --refiner imedsam") }
            options?.startFrom = URL(fileURLWithPath: startFrom)
        }
        return options
    }

    func phasePrompts() throws -> PhasePrompts {
        try commandLineChoice { try PhasePrompts.parse(prompts, shift: boxShift, keys: ("--prompts", "--box-shift")) }
    }

    func phaseLoss() throws -> RefinerPhaseLoss {
        try commandLineChoice {
            try RefinerPhaseLoss.parse(
                loss, components: losses.map { $0.isEmpty ? [] : $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) },
                form: uncertaintyForm, keys: ("--loss", "--losses", "--uncertainty-form"))
        }
    }

    func run() throws {
        guard let source = CoarseSource(coarse) else {
            throw ValidationError("--coarse: '\(coarse)' is not simulated, oof or mixed:SHARE")
        }
        var options = try common.options(learningRate: lr)
        options.loss = try phaseLoss()
        options.prompts = try phasePrompts()
        options.coarse = source
        options.outOfFold = oof.map { URL(fileURLWithPath: $0) }
        options.imedsam = try imedsamOptions()
        let report = try TrainingDisplay.run { try RefinerTraining.finetuneRefiner(options, progress: $0, report: $1) }
        print(RefinerReportLines.describe(report, phase: "refiner"))
    }
}

/// `ultrarefiner train e2e`: phase 3.
struct TrainEndToEnd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "e2e",
        abstract: "Phase 3: TransUNet and the refiner end to end, 0.3·L_coarse + 0.7·L_refined.",
        discussion: """
            Writes WORKDIR/checkpoints/ultrarefiner/fold_K/best.safetensors (both networks, \
            transunet.* and sam.* keys), last.safetensors and metrics.jsonl.
            """)

    @OptionGroup var common: RefinerPhaseArguments

    @Option(help: "TransUNet starting weights (phase 1's model of the fold).")
    var transunet: String

    @Option(help: "AdamW learning rate (cosine decay).")
    var lr: Float = 1e-5

    func run() throws {
        var options = try common.options(learningRate: lr)
        options.transunet = URL(fileURLWithPath: transunet)
        let report = try TrainingDisplay.run { try RefinerTraining.endToEnd(options, progress: $0, report: $1) }
        print(RefinerReportLines.describe(report, phase: "e2e"))
    }
}

/// Runs a training command with the progress display: steps go to the display, tables and
/// stage lines are printed on lines of their own, and the display's line is closed however
/// the run ends (so an error's message starts on a new line).
enum TrainingDisplay {
    static func run<T>(_ body: (_ progress: (TrainingProgress) -> Void, _ report: (String) -> Void) throws -> T) rethrows -> T {
        var display = ProgressDisplay.standardOutput()
        defer { display.finish() }
        return try body({ display.show($0) }, { display.finish(); print($0) })
    }
}

/// The closing lines of a refiner phase.
enum RefinerReportLines {
    static func describe(_ report: RefinerTraining.Report, phase: String) -> String {
        let pace = report.secondsPerSample.map { seconds in
            String(format: "\n%.3f s per training sample, %.1f %% of it outside the networks (coarse maps, prompts)",
                   seconds, 100 * (report.outsideModelShare ?? 0))
        } ?? ""
        return String(format: "%@: %d training, %d validation cases; before training: coarse Dice %.4f, refined %.4f; best epoch %d: coarse %.4f, refined %.4f -> %@",
               phase, report.trainCases, report.valCases, report.baselineCoarseDice, report.baselineRefinedDice,
               report.bestEpoch, report.bestCoarseDice, report.bestRefinedDice, report.bestFile.path) + pace
    }
}

/// Where a pipeline's dataset is: `--dataset` as a folder, or a name below `--data`.
struct PipelineDatasetArguments: ParsableArguments {
    @Option(help: "A folder of prepared datasets; --dataset is then a name in it.")
    var data: String?

    @Option(help: "A prepared dataset folder (or its name below --data).")
    var dataset: String

    @Option(help: "The work folder that receives every phase's files.")
    var workdir: String

    var datasetURL: URL {
        data.map { URL(fileURLWithPath: $0).appendingPathComponent(dataset) } ?? URL(fileURLWithPath: dataset)
    }
}

/// `ultrarefiner train pipeline`: every phase, then the test-split evaluation.
struct TrainPipeline: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipeline",
        abstract: "All phases on one dataset: TransUNet, out-of-fold maps, refiner, end to end, test evaluation.",
        discussion: """
            Presets: \(PipelinePreset.names). Under WORKDIR: checkpoints/transunet/D/, \
            predictions/transunet/D/predictions/, checkpoints/sam_finetuned/fold_K/, \
            checkpoints/ultrarefiner/fold_K/, runs/, evaluation/ (the joint model on the test \
            split) and evaluation/baseline/ (phase 1's TransUNet with the refiner not fine-tuned), \
            pipeline.json (wall time and figures per stage). Rerunning resumes.
            """)

    @OptionGroup var location: PipelineDatasetArguments

    @Option(help: "Pipeline preset: \(PipelinePreset.names).")
    var preset = "cpu"

    @Option(help: "The refiner's starting weights.")
    var sam = "models/base/lite_medsam.pth"

    @Option(help: "Seed of everything random.")
    var seed: UInt64 = 1234

    @Option(help: "Start at this stage (transunet, predict, refiner, e2e, evaluate); earlier ones must be done.")
    var from: String = "transunet"

    func run() throws {
        guard let chosen = PipelinePreset.named(preset) else {
            throw ValidationError("--preset: '\(preset)' is not one of \(PipelinePreset.names)")
        }
        guard let stage = TrainingPipeline.Stage(rawValue: from) else {
            throw ValidationError("--from: '\(from)' is not a stage")
        }
        let options = TrainingPipeline.Options(dataset: location.datasetURL, workdir: URL(fileURLWithPath: location.workdir),
                                               preset: chosen, sam: URL(fileURLWithPath: sam), seed: seed)
        let record = try TrainingDisplay.run { try TrainingPipeline.run(options, from: stage, progress: $0, report: $1) }
        for (stage, seconds) in record.seconds.sorted(by: { $0.key < $1.key }) {
            print(String(format: "%@: %.0f s", stage, seconds))
        }
        for (name, value) in record.figures.sorted(by: { $0.key < $1.key }) {
            print(String(format: "%@ %.4f", name, value))
        }
    }
}

/// `ultrarefiner train predict`: gathers phase 1's out-of-fold maps where phase 2 reads them.
struct TrainPredict: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Collect phase 1's out-of-fold maps into WORKDIR/predictions/transunet/D/predictions/.")

    @OptionGroup var location: PipelineDatasetArguments

    func run() throws {
        let options = TrainingPipeline.Options(dataset: location.datasetURL, workdir: URL(fileURLWithPath: location.workdir),
                                               preset: .cpu, sam: URL(fileURLWithPath: "/"))
        print("\(try TrainingPipeline.collectOutOfFold(options)) out-of-fold maps in \(options.predictionsFolder.path)")
    }
}
