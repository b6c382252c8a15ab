import Datasets
import Foundation
import TransUNetModel

/// The prepared datasets a job trains on, merged fold by fold. With one dataset cases keep their
/// stems (as jobs always have); with several each case is named `DATASET/stem` after its
/// dataset's folder, so equal stems in two datasets stay two cases (and their out-of-fold maps
/// land in `oof/DATASET/stem.npy`).
struct TrainingSources {
    let datasets: [URL]
    private let splits: [PreparedFolds]

    /// Reads every dataset's `splits.json`; folder names must differ, as they qualify the cases.
    init(_ datasets: [URL]) throws {
        var seen = Set<String>()
        for dataset in datasets where !seen.insert(dataset.lastPathComponent).inserted {
            throw TrainingError(dataset.path, "another dataset of the job has the folder name '\(dataset.lastPathComponent)', which names its cases")
        }
        self.datasets = datasets
        splits = try datasets.map(PreparedFolds.load)
    }

    /// Fold `number` of every dataset, its train and val cases concatenated in dataset order.
    func fold(_ number: Int) throws -> Splits.Fold {
        var merged = try splits[0].fold(number)
        guard datasets.count > 1 else { return merged }
        merged.train = []
        merged.val = []
        for (dataset, split) in zip(datasets, splits) {
            let fold = try split.fold(number)
            merged.train += fold.train.map { "\(dataset.lastPathComponent)/\($0)" }
            merged.val += fold.val.map { "\(dataset.lastPathComponent)/\($0)" }
        }
        return merged
    }

    /// Samples for the case names `fold` gave, each read once.
    func loadAll(_ names: [String], predictor: TransUNetPredictor) throws -> [String: TrainingSample] {
        var samples: [String: TrainingSample] = [:]
        for name in names where samples[name] == nil {
            let (dataset, stem) = locate(name)
            samples[name] = try TrainingSample.load(stem, dataset: dataset, predictor: predictor)
        }
        return samples
    }

    /// The dataset and stem of a case name; stems and folder names hold no `/`, so the first
    /// one separates them.
    func locate(_ name: String) -> (URL, String) {
        guard datasets.count > 1, let slash = name.firstIndex(of: "/") else { return (datasets[0], name) }
        let folder = name[..<slash]
        return (datasets.first { $0.lastPathComponent == folder }!, String(name[name.index(after: slash)...]))
    }
}
