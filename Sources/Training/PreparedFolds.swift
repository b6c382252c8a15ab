import Datasets
import Foundation

/// A prepared dataset's `splits.json`, checked before any training starts.
struct PreparedFolds {
    /// The `splits.json` file, named in errors.
    let file: URL
    /// Its content.
    let record: SplitsRecord

    /// Reads `dataset/splits.json`.
    static func load(_ dataset: URL) throws -> PreparedFolds {
        let file = dataset.appendingPathComponent("splits.json")
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw TrainingError(file.path, "missing: not a prepared dataset (run `ultrarefiner prepare` first)")
        }
        let record: SplitsRecord
        do {
            record = try JSONDecoder().decode(SplitsRecord.self, from: Data(contentsOf: file))
        } catch {
            throw TrainingError(file.path, "not a readable splits file: \(error)")
        }
        return PreparedFolds(file: file, record: record)
    }

    /// Fold `number`, which must exist and have both training and validation cases.
    func fold(_ number: Int) throws -> Splits.Fold {
        guard let fold = record.folds.first(where: { $0.fold == number }) else {
            let known = record.folds.map { String($0.fold) }.joined(separator: ", ")
            throw TrainingError(file.path, "fold \(number) is not in the splits (folds: \(known))")
        }
        guard !fold.train.isEmpty, !fold.val.isEmpty else {
            throw TrainingError(file.path, "fold \(number) has \(fold.train.count) training and \(fold.val.count) validation cases; both must be non-empty")
        }
        return fold
    }
}
