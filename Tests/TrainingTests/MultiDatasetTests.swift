import Datasets
import Foundation
import Testing
import Training

/// Two prepared datasets with the same stems train together as twice the cases, each named
/// after its dataset, with out-of-fold maps in `oof/DATASET/`.
@Test func severalDatasetsTrainTogetherWithQualifiedCaseNames() throws {
    let data = try PhantomFolds(count: 6, label: "train-datasets")
    defer { data.remove() }
    // The same raw phantoms under another name: every stem occurs in both datasets.
    let other = try #require(try DatasetPreparation.prepare(PreparationOptions(
        raw: data.root.appendingPathComponent("raw"), name: "OTHER",
        output: data.root.appendingPathComponent("processed"), folds: 2)).folder)
    var options = data.options(folds: [0], epochs: 1, output: "both")
    options.additionalDatasets = [other]
    options.augmentation = nil
    let report = try TransUNetTraining.run(options) { _ in }

    let fold = data.splits.folds[0]
    let first = data.dataset.lastPathComponent
    #expect(report.folds[0].trainCases == 2 * fold.train.count)
    #expect(report.folds[0].valCases == fold.val.map { "\(first)/\($0)" } + fold.val.map { "OTHER/\($0)" })
    for name in report.folds[0].valCases {
        #expect(FileManager.default.fileExists(atPath: options.output.appendingPathComponent("oof/\(name).npy").path))
    }

    // Folder names qualify the cases, so two datasets may not share one.
    var clash = data.options(folds: [0], epochs: 1, output: "clash")
    clash.additionalDatasets = [data.dataset]
    let error = try #require(throws: TrainingError.self) { _ = try TransUNetTraining.run(clash) { _ in } }
    #expect(error.subject == data.dataset.path)
}
