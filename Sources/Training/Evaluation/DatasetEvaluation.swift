import Datasets
import Formats
import Foundation
import Imaging
import Inference
import Pixels
import Tensor
import TransUNetModel

/// The cases of a prepared dataset to evaluate: `test` (the held-out split), `train`, or
/// `valK` (fold K's validation cases, which live in `train/`).
public struct EvaluationSplit: Sendable, Equatable {
    /// The split as named on the command line.
    public var name: String
    /// `train` or `test`: the folder holding the cases' `images/` and `masks/`.
    public var folder: String
    /// Case names (file stems), in `splits.json` order.
    public var cases: [String]

    /// Reads `dataset/splits.json` and picks the cases of `split`.
    public static func resolve(_ split: String, dataset: URL) throws -> EvaluationSplit {
        let record = try PreparedFolds.load(dataset).record
        switch split {
        case "test": return EvaluationSplit(name: split, folder: "test", cases: record.test)
        case "train": return EvaluationSplit(name: split, folder: "train", cases: record.train)
        default:
            guard split.hasPrefix("val"), let number = Int(split.dropFirst(3)) else {
                throw TrainingError("split '\(split)'", "not a split: use test, train or valK (fold K's validation cases)")
            }
            guard let fold = record.folds.first(where: { $0.fold == number }) else {
                throw TrainingError("split '\(split)'", "fold \(number) is not in \(dataset.path)/splits.json")
            }
            return EvaluationSplit(name: split, folder: "train", cases: fold.val)
        }
    }
}

/// Runs the inference chain (TransUNet → prompts → SAM, as `ultrarefiner infer` and the
/// daemon do) on every case of a split and adds each to an `EvaluationReport`.
public enum DatasetEvaluation {
    /// What became of one case.
    public enum Outcome: Sendable {
        case evaluated(EvaluatedCase, seconds: Double)
        case failed(reason: String)
    }

    /// Evaluates the cases one at a time. A case that cannot be read or refined is recorded as
    /// a failure in `report` and the run goes on; `progress` hears of every case with its
    /// 1-based position.
    public static func run(models: RefinementModels, dataset: URL, split: EvaluationSplit,
                           into report: inout EvaluationReport,
                           progress: (_ position: Int, _ name: String, _ outcome: Outcome) -> Void = { _, _, _ in }) {
        let folder = dataset.appendingPathComponent(split.folder)
        for (index, name) in split.cases.enumerated() {
            let start = DispatchTime.now().uptimeNanoseconds
            do {
                let (image, truth) = try readCase(name, in: folder)
                let result = try models.refine(image)
                // The coarse mask at full size, thresholded as `infer` does it.
                let coarse = noGrad {
                    TransUNetPredictor.mask(Tensor(result.coarseProbability, shape: [result.coarseSide, result.coarseSide]),
                                            width: image.width, height: image.height)
                }
                let evaluated = report.add(name: name, image: image, truth: truth, coarse: coarse, refined: result.mask)
                progress(index + 1, name, .evaluated(evaluated, seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9))
            } catch {
                report.addFailure(name: name, reason: "\(error)")
                progress(index + 1, name, .failed(reason: "\(error)"))
            }
        }
    }

    /// One case's grayscale image and ground-truth mask from a split folder, checked to be the
    /// same size, so every evaluation reads and rejects cases alike.
    static func readCase(_ name: String, in folder: URL) throws -> (image: Raster<UInt8>, truth: Raster<UInt8>) {
        let image = try PNG.readGray(folder.appendingPathComponent("images/\(name).png"))
        let maskFile = folder.appendingPathComponent("masks/\(name).png")
        let truth = try PNG.readGray(maskFile)
        guard truth.width == image.width, truth.height == image.height else {
            throw TrainingError(maskFile.path, "mask is \(truth.width)x\(truth.height) but its image is \(image.width)x\(image.height)")
        }
        return (image, truth)
    }
}
