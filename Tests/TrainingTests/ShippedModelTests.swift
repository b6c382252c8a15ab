import Datasets
import Formats
import Foundation
import Imaging
import Inference
import Pixels
import TestSupport
import Testing
import Training

/// The model in `models/default/` loads (its unchanged refiner tensors from the LiteMedSAM that
/// `make models` fetches) and gives sane masks: a guard against a broken export, not a benchmark.
@Suite(.enabled(if: TestPaths.runsWithModel(TestPaths.liteMedSAM), "needs models/base/lite_medsam.pth (make models)"))
struct ShippedModelTests {
    static func shippedModel() throws -> RefinementModels {
        _ = try TestPaths.requireModel(TestPaths.liteMedSAM)
        return try RefinementModels(selection: ModelSelection(root: TestPaths.repositoryRoot.appendingPathComponent("models")))
    }

    /// Mean refined Dice of the chain over `cases` (image, ground-truth mask).
    static func meanRefinedDice(_ models: RefinementModels, _ cases: [(Raster<UInt8>, Raster<UInt8>)]) throws -> Double {
        let dice = try cases.map { image, truth in SegmentationMetrics(prediction: try models.refine(image).mask, groundTruth: truth).dice }
        return dice.reduce(0, +) / Double(dice.count)
    }

    @Test func refinesPhantomLesions() throws {
        let models = try Self.shippedModel()
        let generator = PhantomGenerator(width: 320, height: 256, seed: 2026)
        let phantoms = (0..<6).map { generator.phantom(index: $0) }
        let dice = try Self.meanRefinedDice(models, phantoms.map { ($0.image, $0.mask) })
        #expect(dice >= 0.6, "mean refined Dice \(dice) on 6 phantoms")
    }

    @Test(.enabled(if: TestPaths.hasBUSI, "needs ../shared/data/busi"))
    func refinesHeldOutBUSIImages() throws {
        let models = try Self.shippedModel()
        let folder = try TestPaths.temporaryDirectory("shipped-busi")
        defer { try? FileManager.default.removeItem(at: folder) }
        // The same preparation (seed and all) as the model's training, so these are test-split cases it never saw.
        _ = try DatasetPreparation.prepare(PreparationOptions(raw: TestPaths.busi, name: "BUSI", output: folder))
        let dataset = folder.appendingPathComponent("BUSI")
        let test = try EvaluationSplit.resolve("test", dataset: dataset)
        let chosen = test.cases.filter { $0.hasPrefix("benign") }.prefix(3) + test.cases.filter { $0.hasPrefix("malignant") }.prefix(3)
        let cases = try chosen.map { name in
            (try PNG.readGray(dataset.appendingPathComponent("test/images/\(name).png")),
             try PNG.readGray(dataset.appendingPathComponent("test/masks/\(name).png")))
        }
        let dice = try Self.meanRefinedDice(models, cases)
        #expect(dice >= 0.6, "mean refined Dice \(dice) on \(chosen.joined(separator: ", "))")
    }
}
