import Foundation
import Imaging
import TransUNetModel

/// The options that decide a job's results (all but which folds to run). Stored as `job.json`
/// so that resuming with different options fails instead of mixing two trainings.
struct JobSignature: Codable, Equatable {
    var dataset: String
    /// nil for a job on one dataset, so such jobs keep their `job.json` unchanged.
    var additionalDatasets: [String]?
    var preset: String
    var imageSize: Int
    var epochs: Int
    var batchSize: Int
    var learningRate: Float
    var seed: UInt64
    var initialCheckpoint: String?
    /// Absent in jobs started before augmentation existed, which decode as nil: trained without.
    var augmentation: Augmentation?

    init(_ options: TransUNetTrainingOptions, imageSize: Int) {
        dataset = options.dataset.standardizedFileURL.path
        additionalDatasets = options.additionalDatasets.isEmpty
            ? nil : options.additionalDatasets.map(\.standardizedFileURL.path)
        preset = options.preset
        self.imageSize = imageSize
        epochs = options.epochs
        batchSize = options.batchSize
        learningRate = options.learningRate
        seed = options.seed
        initialCheckpoint = options.initialCheckpoint?.standardizedFileURL.path
        augmentation = options.augmentation
    }

    /// Writes the signature for a new job, or checks it against the stored one.
    func claim(_ file: URL) throws {
        guard FileManager.default.fileExists(atPath: file.path) else {
            try JSONFile.write(self, to: file)
            return
        }
        let stored = try JSONFile.read(JobSignature.self, from: file)
        guard stored == self else {
            let described = String(decoding: try JSONFile.encoder.encode(stored), as: UTF8.self)
            throw TrainingError(file.path, "the job folder holds a training with other options (\(described)); use a new output folder")
        }
    }
}
