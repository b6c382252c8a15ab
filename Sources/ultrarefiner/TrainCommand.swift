import ArgumentParser
import Foundation
import Training
import TransUNetModel

/// `ultrarefiner train`: phase-1 TransUNet training over cross-validation folds of a prepared
/// dataset, the same code the daemon's training lane runs for `train-transunet` jobs.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transunet",
        abstract: "Train TransUNet on folds of a prepared dataset (SGD, poly schedule, 0.5·CE + 0.5·Dice).",
        discussion: """
            Writes OUT/fold{k}/checkpoint.safetensors (exact state, every epoch), \
            OUT/fold{k}/model.safetensors (final weights), OUT/metrics.jsonl (one line per epoch), \
            OUT/oof/CASE.npy (out-of-fold foreground probability), OUT/report.json and TensorBoard \
            event files under OUT/runs/transunet/fold_{k}/ (tensorboard --logdir OUT/runs). Running \
            the same command again resumes where it stopped and skips finished folds. Progress is \
            one redrawn line on a terminal, else a line every 10 seconds and at each epoch's end.
            """)

    @Option(help: "A prepared dataset folder (with splits.json), or several comma-separated, trained on together (cases named FOLDER/stem).")
    var dataset: String

    @Option(help: "Model preset: \(TransUNet.presetList).")
    var preset: String

    @Option(help: "Epochs per fold.")
    var epochs: Int

    @Option(help: "Comma-separated folds of splits.json to train, e.g. 0,1.")
    var folds: String

    @Option(help: "The job folder that receives everything.")
    var out: String

    @Option(help: "Images per SGD step.")
    var batchSize = 4

    @Option(help: "Base learning rate of the poly schedule.")
    var lr: Float = 0.01

    @Option(help: "Seed of the initial weights, shuffles and dropout.")
    var seed: UInt64 = 1234

    @Option(help: "Initial weights: .safetensors, .pth, or a Google .npz encoder.")
    var initialCheckpoint: String?

    @Option(help: "Input side in pixels (a multiple of 16) instead of the preset's.")
    var imageSize: Int?

    @Flag(help: "Train on the images as they are, without seeded flips, rotations and intensity jitter.")
    var noAugment = false

    func run() throws {
        let foldNumbers = try folds.split(separator: ",").map { part -> Int in
            guard let number = Int(part.trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("--folds: '\(part)' is not a fold number")
            }
            return number
        }
        let datasets = dataset.split(separator: ",").map { URL(fileURLWithPath: String($0)) }
        guard let firstDataset = datasets.first else { throw ValidationError("--dataset: no dataset folder given") }
        var options = TransUNetTrainingOptions(
            dataset: firstDataset, folds: foldNumbers, preset: preset, epochs: epochs,
            output: URL(fileURLWithPath: out), batchSize: batchSize, learningRate: lr, seed: seed,
            initialCheckpoint: initialCheckpoint.map { URL(fileURLWithPath: $0) }, imageSize: imageSize)
        if noAugment { options.augmentation = nil }
        options.additionalDatasets = Array(datasets.dropFirst())
        let start = ContinuousClock.now
        var iterations = 0
        var display = ProgressDisplay.standardOutput()
        defer { display.finish() }  // so an error's message starts on a line of its own
        let report = try TransUNetTraining.run(options) { progress in
            iterations += 1
            display.show(progress)
        }
        display.finish()
        let seconds = start.duration(to: .now) / .seconds(1)
        for fold in report.folds {
            print(String(format: "fold %d: val Dice %.4f over %d cases", fold.fold, fold.valDice, fold.valCases.count))
        }
        print(String(format: "mean val Dice %.4f; best fold %d -> %@", report.meanValDice, report.bestFold, report.modelToPromote))
        if iterations > 0 {
            print(String(format: "%d iterations in %.1f s (%.3f s/iteration, including data loading and validation)",
                         iterations, seconds, seconds / Double(iterations)))
        }
    }
}
