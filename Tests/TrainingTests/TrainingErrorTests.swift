import Durable
import Formats
import Foundation
import Testing
import Training
import TransUNetModel

/// Jobs that cannot run fail before training, naming the file or value at fault.
struct TrainingErrorTests {
    @Test func missingSplitsNamesTheFile() throws {
        let data = try PhantomFolds(count: 6, label: "train-no-splits")
        defer { data.remove() }
        var options = data.options(folds: [0], epochs: 1, output: "job")
        options.dataset = data.root.appendingPathComponent("raw")
        let error = try #require(throws: TrainingError.self) { _ = try TransUNetTraining.run(options) { _ in } }
        #expect(error.subject == data.root.appendingPathComponent("raw/splits.json").path)
        #expect(error.problem.contains("missing"))
    }

    @Test func unknownPresetNamesThePreset() throws {
        let data = try PhantomFolds(count: 6, label: "train-preset")
        defer { data.remove() }
        var options = data.options(folds: [0], epochs: 1, output: "job")
        options.preset = "cpu-huge"
        let error = try #require(throws: TrainingError.self) { _ = try TransUNetTraining.run(options) { _ in } }
        #expect(error.description.contains("'cpu-huge'") && error.description.contains("cpu-tiny"))
        #expect(!FileManager.default.fileExists(atPath: options.output.path), "nothing is written for a bad job")
    }

    @Test func foldOutsideTheSplitsNamesFoldAndFile() throws {
        let data = try PhantomFolds(count: 6, label: "train-fold")
        defer { data.remove() }
        let options = data.options(folds: [0, 7], epochs: 1, output: "job")
        let error = try #require(throws: TrainingError.self) { _ = try TransUNetTraining.run(options) { _ in } }
        #expect(error.subject == data.dataset.appendingPathComponent("splits.json").path)
        #expect(error.problem.contains("fold 7") && error.problem.contains("0, 1"))
    }

    @Test func unreadableImageNamesTheImage() throws {
        let data = try PhantomFolds(count: 6, label: "train-bad-image")
        defer { data.remove() }
        let name = data.splits.folds[0].train[0]
        let image = data.dataset.appendingPathComponent("train/images/\(name).png")
        try Data("not a png".utf8).write(to: image)
        let error = try #require(throws: FormatError.self) {
            _ = try TransUNetTraining.run(data.options(folds: [0], epochs: 1, output: "job")) { _ in }
        }
        #expect(error.path == image.path)
    }
}
