import Datasets
import Foundation
import TestSupport
import Testing
import Training
import TransUNetModel

/// A prepared phantom dataset with two folds in a temporary folder, and quick training options
/// for it: cpu-tiny at 32² input, batch 2.
struct PhantomFolds {
    let root: URL
    let dataset: URL
    let splits: SplitsRecord

    init(count: Int, label: String) throws {
        root = try TestPaths.temporaryDirectory(label)
        let raw = root.appendingPathComponent("raw")
        try PhantomGenerator(width: 64, height: 64, seed: 11).writeRawDataset(count: count, to: raw)
        let report = try DatasetPreparation.prepare(PreparationOptions(
            raw: raw, name: "PHANTOM", output: root.appendingPathComponent("processed"), folds: 2))
        dataset = try #require(report.folder)
        splits = try #require(report.splits)
    }

    func options(folds: [Int], epochs: Int, output: String) -> TransUNetTrainingOptions {
        TransUNetTrainingOptions(dataset: dataset, folds: folds, preset: "cpu-tiny", epochs: epochs,
                                 output: root.appendingPathComponent(output), batchSize: 2, seed: 5, imageSize: 32)
    }

    func remove() { try? FileManager.default.removeItem(at: root) }
}
