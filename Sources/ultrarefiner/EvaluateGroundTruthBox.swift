import ArgumentParser
import Foundation
import Imaging
import Inference
import Refiners
import SegmentAnything
import Tensor
import Training

/// What `ultrarefiner evaluate` prompts SAM with.
enum EvaluationPrompt: String, ExpressibleByArgument, CaseIterable {
    /// The whole chain: TransUNet's mask becomes the prompts.
    case chain
    /// SAM alone with each ground-truth mask's bounding box, the ceiling of box prompting.
    case groundTruthBox = "gt-box"
    /// The interactive protocol: the gt-box mask, then simulated clicks for the GRU corrector
    /// and for SAM as point prompts.
    case clicks
}

extension Evaluate {
    /// `--prompt gt-box`: SAM (`--sam`, else the model's refiner) on every case of `split`,
    /// prompted with its ground-truth box, with the same preprocessing the chain would give it.
    func runGroundTruthBox(dataset: URL, split: EvaluationSplit) throws {
        // An I-MedSAM checkpoint as --sam: its implicit decoder, over the base SAM it names.
        let imedsam = try weights.selection.sam.flatMap { url in
            IMedSAM.isCheckpoint(url) ? try IMedSAM.load(contentsOf: url, baseFolder: weights.selection.baseFolder) : nil
        }
        if outputSide != nil && imedsam == nil {
            throw ValidationError("--output-side needs an I-MedSAM checkpoint as --sam (SAM's decoder has its own fixed grid)")
        }
        let (model, id, preprocessing) = try imedsam.map { model in
            (model.sam, id: RefinementModels.identify(weights.selection.sam!),
             squareNorm.map { SAMPreprocessing.square($0) } ?? RefinementModels.defaultPreprocessing(for: model.sam.config))
        } ?? boxPromptedSAM()
        let decoder = imedsam.map { model in
            "I-MedSAM's implicit decoder (\(model.config.frequencyAdapter.map { "frequency adapter on the \($0.rawValue)" } ?? "no frequency adapter"), "
                + (model.config.lora == nil ? "no LoRA" : "q/v LoRA") + "), predicting "
                + (outputSide.map { "on a \($0)x\($0) grid, resized (nearest) to the image" } ?? "at each image's size")
        }
        var report = GroundTruthBoxReport(provenance: [
            "SAM: \(id)", "SAM preprocessing: \(preprocessing)",
            "Prompt: the bounding box of the ground-truth mask only (no points, no mask prompt)",
            "Mask: " + (decoder ?? (singleMask ? "the single-mask output" : "the best of three by predicted IoU")),
            "Dataset: \(dataset.path), split \(split.name) (\(split.cases.count) images)",
        ])
        let total = split.cases.count
        print("evaluating \(imedsam == nil ? "SAM" : "I-MedSAM") with ground-truth boxes on \(total) images of split \(split.name)")
        func progress(_ position: Int, _ name: String, _ outcome: GroundTruthBoxEvaluation.Outcome) {
            Self.printProgress(position, of: total, name, outcome) { String(format: "Dice %.4f", $0.metrics.dice) }
        }
        if let imedsam {
            GroundTruthBoxEvaluation.run(dataset: dataset, split: split, into: &report, progress: progress) { image, box in
                let input = SAMInput(image: image, preprocessing: preprocessing, config: model.config)
                let frameBox = input.promptTensors(SAMPrompt(box: box)).boxes!
                guard let side = outputSide else {
                    return imedsam.segment(input, box: frameBox, size: Size2D(image.height, image.width))
                }
                return imedsam.segment(input, box: frameBox, size: Size2D(side, side)).resizedNearest(width: image.width, height: image.height)
            }
        } else {
            GroundTruthBoxEvaluation.run(sam: model, preprocessing: preprocessing, dataset: dataset, split: split,
                                         multimask: !singleMask, into: &report, progress: progress)
        }
        let outFolder = URL(fileURLWithPath: out)
        try report.write(to: outFolder)
        print(report.summaryMarkdown)
        print("wrote \(GroundTruthBoxReport.fileNames.joined(separator: ", ")) to \(outFolder.path)")
        if report.cases.isEmpty && total > 0 { throw ExitCode.failure }
    }

    /// The SAM that box-prompted evaluations run (--sam, else the model's refiner), its id and
    /// preprocessing (--square-norm, else the chain's for that SAM).
    func boxPromptedSAM() throws -> (SAM, id: String, SAMPreprocessing) {
        let (model, id): (SAM, String)
        if let sam = weights.selection.sam {
            (model, id) = (try SAM.load(contentsOf: sam), RefinementModels.identify(sam))
        } else {
            let models = try RefinementModels(selection: weights.selection)
            (model, id) = (models.refiner.sam, models.samID)
        }
        return (model, id, squareNorm.map { SAMPreprocessing.square($0) } ?? RefinementModels.defaultPreprocessing(for: model.config))
    }

    /// One line per case of a box-prompted evaluation: what `describe` says of it and its time,
    /// or why it was skipped or not evaluated.
    static func printProgress<Case>(_ position: Int, of total: Int, _ name: String, _ outcome: BoxedCaseOutcome<Case>,
                                    describe: (Case) -> String) {
        switch outcome {
        case .evaluated(let evaluated, let seconds):
            print("[\(position)/\(total)] \(name): \(describe(evaluated)), \(String(format: "%.1f", seconds)) s")
        case .skipped:
            print("[\(position)/\(total)] \(name): empty ground truth, no box: skipped")
        case .failed(let reason):
            print("[\(position)/\(total)] \(name): not evaluated: \(reason)")
        }
    }
}
