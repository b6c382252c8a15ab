import ArgumentParser
import Foundation
import Imaging
import Inference
import SegmentAnything
import Training
import TransUNetModel

/// `ultrarefiner evaluate`: the whole chain on every image of a prepared dataset's split,
/// coarse and refined masks measured against the ground truth, written up as a report.
struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate TransUNet + SAM refinement on a split of a prepared dataset and write a report.",
        discussion: """
            Writes OUT/metrics.csv (one row per image), OUT/summary.md (mean ± sd, median, \
            images better or worse by more than 0.05 Dice), OUT/scatter_dice.png, \
            OUT/delta_histogram.png, OUT/cases_worst.png and OUT/cases_improved.png. An image \
            that cannot be read or refined is reported and counted, and the run goes on. With \
            --prompt gt-box, only OUT/metrics.csv (each image's box and metrics) and OUT/summary.md; \
            images with an empty ground truth have no box and are skipped and counted. With --prompt \
            clicks, OUT/metrics.csv (Dice after each click, both methods), OUT/summary.md (mean ± sd \
            per click, NoC@85/90) and OUT/noc_curve.png.
            """)

    @OptionGroup var weights: ModelArguments

    @Option(help: "A joint checkpoint of `train e2e` (both networks, trained together) instead of the model.")
    var ultrarefiner: String?

    @Option(help: "Square preprocessing with this normalisation: sam or minmax. Default: the SAM family's own, as for infer.")
    var squareNorm: PixelNormalization?

    @Option(help: "A prepared dataset folder (with splits.json).")
    var dataset: String

    @Option(help: "Which cases: test, train, or valK (fold K's validation cases).")
    var split = "test"

    @Option(help: "Output folder for the report.")
    var out: String

    @Option(help: "chain (TransUNet's prompts, against its coarse mask), gt-box (--sam alone, prompted with each ground-truth mask's bounding box: the ceiling of box prompting) or clicks (from the gt-box mask, Dice after 0…--clicks simulated clicks, GRU corrector against SAM given the clicks as point prompts).")
    var prompt = EvaluationPrompt.chain

    @Flag(name: .customLong("single-mask"), help: "With --prompt gt-box: take SAM's single-mask output instead of the best of three by predicted IoU.")
    var singleMask = false

    @Option(help: "With --prompt gt-box and an I-MedSAM checkpoint as --sam: predict on an N x N grid over each image, then resize (nearest) to its size, instead of at its size directly.")
    var outputSide: Int?

    @OptionGroup var correctorArguments: CorrectorArguments

    @Option(help: "With --prompt clicks: simulated clicks per image.")
    var clicks = 5

    @Option(help: "With --prompt clicks: folder for cached image embeddings.")
    var cache: String?

    func validate() throws {
        if prompt == .groundTruthBox || prompt == .clicks {
            guard weights.transunet == nil, ultrarefiner == nil else {
                throw ValidationError("--prompt \(prompt.rawValue) starts from SAM alone (--sam, else the model's refiner): leave out --transunet and --ultrarefiner")
            }
            if let outputSide, outputSide < 1 { throw ValidationError("--output-side must be at least 1, got \(outputSide)") }
            return
        }
        if singleMask { throw ValidationError("--single-mask goes with --prompt gt-box; the chain's refiner picks its own mask") }
        if outputSide != nil { throw ValidationError("--output-side goes with --prompt gt-box and an I-MedSAM --sam") }
        if ultrarefiner != nil && (weights.transunet != nil || weights.sam != nil) {
            throw ValidationError("--ultrarefiner holds both networks: leave out --transunet and --sam")
        }
    }

    func run() throws {
        let datasetFolder = URL(fileURLWithPath: dataset)
        let chosen = try EvaluationSplit.resolve(split, dataset: datasetFolder)
        if prompt == .groundTruthBox { return try runGroundTruthBox(dataset: datasetFolder, split: chosen) }
        if prompt == .clicks { return try runClicks(dataset: datasetFolder, split: chosen) }
        let preprocessing = squareNorm.map { SAMPreprocessing.square($0) }
        let models = try ultrarefiner.map { try RefinementModels(ultrarefiner: URL(fileURLWithPath: $0), samPreprocessing: preprocessing) }
            ?? RefinementModels(selection: weights.selection, samPreprocessing: preprocessing)
        var report = EvaluationReport(provenance: [
            "TransUNet: \(models.transunetID)", "SAM: \(models.samID)",
            "SAM preprocessing: \(models.samPreprocessing)",
            "Dataset: \(datasetFolder.path), split \(chosen.name) (\(chosen.cases.count) images)",
        ])
        print("evaluating \(chosen.cases.count) images of split \(chosen.name)")
        let total = chosen.cases.count
        DatasetEvaluation.run(models: models, dataset: datasetFolder, split: chosen, into: &report) { position, name, outcome in
            switch outcome {
            case .evaluated(let evaluated, let seconds):
                print(String(format: "[%d/%d] %@: coarse Dice %.4f, refined %.4f (%+.4f), %.1f s", position, total, name,
                             evaluated.coarse.dice, evaluated.refined.dice, evaluated.diceDelta, seconds))
            case .failed(let reason):
                print("[\(position)/\(total)] \(name): not evaluated: \(reason)")
            }
        }
        print(report.comparison.table)
        let counts = report.changeCounts
        print("better by > 0.05 Dice: \(counts.better), worse: \(counts.worse), within: \(counts.unchanged)")
        let outFolder = URL(fileURLWithPath: out)
        try report.write(to: outFolder)
        print("wrote \(EvaluationReport.fileNames.joined(separator: ", ")) to \(outFolder.path)")
        if !report.failures.isEmpty {
            print("\(report.failures.count) of \(total) images not evaluated (listed in summary.md)")
        }
        if report.cases.isEmpty && total > 0 { throw ExitCode.failure }
    }
}
