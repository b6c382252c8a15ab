import ArgumentParser
import Foundation
import Inference
import SegmentAnything
import Training

extension Evaluate {
    /// `--prompt clicks`: the interactive protocol on every case of `split`.
    func runClicks(dataset: URL, split: EvaluationSplit) throws {
        let (model, id, preprocessing) = try boxPromptedSAM()
        let (corrector, correctorID) = try correctorArguments.load(weights.selection)
        let embeddings = try cache.map { try SAMEmbeddingCache(directory: URL(fileURLWithPath: $0), model: model) }
        var report = CorrectionReport(clicks: clicks, provenance: [
            "SAM: \(id)", "SAM preprocessing: \(preprocessing)", "GRU corrector: \(correctorID), \(corrector.config)",
            "Round 0: SAM with the ground-truth box (best of three by predicted IoU)",
            "Clicks: at the centre (distance-transform maximum) of the largest error region of each method's own current mask, at the original size",
            "Dataset: \(dataset.path), split \(split.name) (\(split.cases.count) images)",
        ])
        let total = split.cases.count
        print("evaluating \(clicks) simulated clicks on \(total) images of split \(split.name)")
        CorrectionEvaluation.run(sam: model, preprocessing: preprocessing, corrector: corrector, dataset: dataset, split: split,
                                 cache: embeddings, into: &report) { position, name, outcome in
            Self.printProgress(position, of: total, name, outcome) { evaluated in
                let format = { (values: [Double]) in values.map { String(format: "%.3f", $0) }.joined(separator: " ") }
                return "Dice GRU \(format(evaluated.corrector)) | SAM \(format(evaluated.sam))"
            }
        }
        let outFolder = URL(fileURLWithPath: out)
        try report.write(to: outFolder)
        print(report.summaryMarkdown)
        print("wrote \(CorrectionReport.fileNames.joined(separator: ", ")) to \(outFolder.path)")
        if report.cases.isEmpty && total > 0 { throw ExitCode.failure }
    }
}
