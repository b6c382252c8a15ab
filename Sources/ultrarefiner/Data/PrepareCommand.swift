import ArgumentParser
import Datasets
import Foundation

/// `ultrarefiner prepare`: raw dataset (BUSI class folders or images/ + masks/) to the
/// processed train/test layout with splits.json and cases.json.
struct PrepareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prepare",
        abstract: "Prepare a raw dataset: grayscale images, merged 0/255 masks, seeded train/test split and folds.",
        discussion: """
            Accepts BUSI's layout (benign/, malignant/, normal/ with NAME.png, NAME_mask.png, \
            NAME_mask_1.png ...) or images/ + masks/ with matching names, and writes \
            OUT/NAME/{train,test}/{images,masks}/CASE.png, OUT/NAME/splits.json and \
            OUT/NAME/cases.json. The dataset is built under a hidden temporary name and renamed \
            into place, replacing an earlier OUT/NAME as a whole. Every file left out is listed \
            with its reason; the exit status is non-zero only when no case was usable.
            """)

    @Option(help: "The raw dataset folder.")
    var raw: String

    @Option(help: "The dataset name (letters, digits, '_' or '-'): output goes to OUT/NAME.")
    var name: String

    @Option(help: "The folder that receives OUT/NAME.")
    var out: String

    @Option(help: "Seed of the train/test split and the folds.")
    var seed: UInt64 = 42

    @Option(help: "Share of each class held out for testing.")
    var testFraction: Double = 0.2

    @Option(help: "Cross-validation folds over the training cases.")
    var folds: Int = 5

    var options: PreparationOptions {
        PreparationOptions(raw: URL(fileURLWithPath: raw), name: name, output: URL(fileURLWithPath: out),
                           seed: seed, testFraction: testFraction, folds: folds)
    }

    func validate() throws {
        if let problem = options.problem { throw ValidationError(problem) }
    }

    func run() throws {
        let report = try DatasetPreparation.prepare(options)
        print(report.summary)
        guard report.folder != nil else {
            throw PreparationError("no usable case in \(raw): nothing was written")
        }
    }
}
