import Datasets
import Foundation
import TestSupport
import Testing
import Training

/// The `tiny` preset runs every stage of the method on ~40 phantoms with the real LiteMedSAM:
/// phase 1 on five folds, out-of-fold maps for every training image, phase 2 on A+B, phase 3,
/// and both test-split evaluations, each leaving the files the README lists.
@Test(.enabled(if: TestPaths.runsWithModel(TestPaths.liteMedSAM), "models/base/lite_medsam.pth is missing: run make models"))
func tinyPipelineRunsEveryPhaseAndWritesItsFiles() throws {
    let sam = try TestPaths.requireModel(TestPaths.liteMedSAM)
    let root = try TestPaths.temporaryDirectory("tiny-pipeline")
    defer { try? FileManager.default.removeItem(at: root) }
    let raw = root.appendingPathComponent("raw")
    try PhantomGenerator(width: 96, height: 80, seed: 21).writeRawDataset(count: 40, to: raw)
    let prepared = try DatasetPreparation.prepare(PreparationOptions(
        raw: raw, name: "PHANTOM", output: root.appendingPathComponent("processed")))
    let dataset = try #require(prepared.folder)
    let splits = try #require(prepared.splits)
    let workdir = root.appendingPathComponent("work")

    var lines: [String] = []
    let record = try TrainingPipeline.run(
        TrainingPipeline.Options(dataset: dataset, workdir: workdir, preset: .tiny, sam: sam),
        progress: { _ in }, report: { lines.append($0) })

    #expect(Set(record.seconds.keys) == Set(TrainingPipeline.Stage.allCases.map(\.rawValue)))
    let oof = try FileManager.default.contentsOfDirectory(
        atPath: workdir.appendingPathComponent("predictions/transunet/PHANTOM/predictions").path)
    #expect(Set(oof) == Set(splits.train.map { "\($0).npy" }), "each training image's out-of-fold map, once")
    for file in ["checkpoints/transunet/PHANTOM/fold0/model.safetensors",
                 "checkpoints/sam_finetuned/fold_0/best.safetensors", "checkpoints/sam_finetuned/fold_0/last.safetensors",
                 "checkpoints/ultrarefiner/fold_0/best.safetensors", "checkpoints/ultrarefiner/fold_0/last.safetensors",
                 "evaluation/metrics.csv", "evaluation/summary.md", "evaluation/cases_worst.png",
                 "evaluation/baseline/summary.md", "pipeline.json"] {
        #expect(FileManager.default.fileExists(atPath: workdir.appendingPathComponent(file).path), "\(file) is missing")
    }
    let events = try FileManager.default.contentsOfDirectory(atPath: workdir.appendingPathComponent("runs/refiner/fold_0").path)
    #expect(events.contains { $0.hasPrefix("events.out.tfevents.") })
    for key in ["test_refined_dice", "test_baseline_refined_dice", "refiner_val_best_refined_dice"] {
        let value = try #require(record.figures[key], "\(key) is missing")
        #expect(value > 0 && value <= 1, "\(key) = \(value)")
    }
    #expect(lines.contains { $0.contains("Mean Dice improvement") })
}
