import Formats
import Foundation
import Testing
import Training
import TransUNetModel

/// The job folder after two folds: out-of-fold maps, per-fold models and a consistent report.
@Test func outOfFoldMapsModelsAndReport() throws {
    let data = try PhantomFolds(count: 10, label: "train-outputs")
    defer { data.remove() }
    let options = data.options(folds: [1, 0], epochs: 1, output: "job")
    let report = try TransUNetTraining.run(options) { _ in }

    let valCases = data.splits.folds.flatMap(\.val)
    let written = try FileManager.default.contentsOfDirectory(atPath: options.output.appendingPathComponent("oof").path)
    #expect(Set(written) == Set(valCases.map { "\($0).npy" }))
    for name in valCases {
        let array = try NPY.read(options.output.appendingPathComponent("oof/\(name).npy"))
        #expect(array.dtype == .float32)
        #expect(array.shape == [32, 32])
        #expect(array.floats().allSatisfy { $0 >= 0 && $0 <= 1 })
    }

    #expect(report.folds.map(\.fold) == [1, 0])
    #expect(report.imageSize == 32 && report.preset == "cpu-tiny" && report.epochs == 1)
    for fold in report.folds {
        #expect(fold.valCases == data.splits.folds[fold.fold].val)
        #expect(fold.valDice >= 0 && fold.valDice <= 1)
        #expect(fold.model == "fold\(fold.fold)/model.safetensors")
    }
    let best = try #require(report.folds.first { $0.fold == report.bestFold })
    #expect(report.folds.allSatisfy { $0.valDice <= best.valDice })
    #expect(report.modelToPromote == best.model)
    #expect(abs(report.meanValDice - report.folds.map(\.valDice).reduce(0, +) / 2) < 1e-12)
    let stored = try JSONDecoder().decode(TrainingReport.self,
                                          from: Data(contentsOf: options.output.appendingPathComponent("report.json")))
    #expect(stored == report)

    let metadata = try Safetensors.read(options.output.appendingPathComponent(report.modelToPromote)).metadata
    #expect(metadata["fold"] == String(best.fold) && metadata["val_dice"] == String(best.valDice))

    // The promoted model loads for inference with its configuration, and reproduces the OOF map.
    let predictor = try TransUNetPredictor(checkpoint: options.output.appendingPathComponent(report.modelToPromote))
    #expect(predictor.model.config == TransUNetConfig.cpuTiny.withImageSize(32))
    let caseName = best.valCases[0]
    let image = try PNG.readGray(data.dataset.appendingPathComponent("train/images/\(caseName).png"))
    let oof = try NPY.read(options.output.appendingPathComponent("oof/\(caseName).npy")).floats()
    let again = predictor.foregroundProbability(image).scalars
    #expect(zip(oof, again).allSatisfy { abs($0 - $1) <= 1e-5 })
}
