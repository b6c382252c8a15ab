import Foundation
import Testing
import Training

private struct Stop: Error {}

/// Augmentation reaches the training batches (the first step's loss changes with it), and a job
/// started with it cannot be resumed without it.
@Test func augmentationChangesTheBatchesAndIsPartOfTheJob() throws {
    let data = try PhantomFolds(count: 6, label: "train-augment")
    defer { data.remove() }
    func firstLoss(_ options: TransUNetTrainingOptions) throws -> Double {
        var loss: Double?
        #expect(throws: Stop.self) {
            _ = try TransUNetTraining.run(options) { progress in
                loss = progress.loss
                throw Stop()
            }
        }
        return try #require(loss)
    }
    var augmented = data.options(folds: [0], epochs: 1, output: "augmented")
    #expect(augmented.augmentation != nil, "new jobs augment by default")
    var plain = data.options(folds: [0], epochs: 1, output: "plain")
    plain.augmentation = nil
    // Same initial weights, same cases in the first batch: only the pixels differ.
    #expect(try firstLoss(augmented) != firstLoss(plain))

    augmented.augmentation = nil
    let error = try #require(throws: TrainingError.self) { _ = try TransUNetTraining.run(augmented) { _ in } }
    #expect(error.subject == augmented.output.appendingPathComponent("job.json").path)
}
