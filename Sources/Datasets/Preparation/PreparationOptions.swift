import Foundation

/// What `ultrarefiner prepare` was asked to do.
public struct PreparationOptions: Sendable {
    /// The raw dataset folder (BUSI class folders or images/ + masks/).
    public var raw: URL
    /// The dataset's name: the output goes to `output/name/`.
    public var name: String
    /// The folder that receives `name/`.
    public var output: URL
    /// Seed of the split and the folds.
    public var seed: UInt64
    /// Share of each class held out for testing, in [0, 1).
    public var testFraction: Double
    /// Cross-validation folds over the training cases, at least 2.
    public var folds: Int

    /// Options with `prepare`'s defaults: seed 42, 20 % test, 5 folds.
    public init(raw: URL, name: String, output: URL, seed: UInt64 = 42,
                testFraction: Double = 0.2, folds: Int = 5) {
        self.raw = raw
        self.name = name
        self.output = output
        self.seed = seed
        self.testFraction = testFraction
        self.folds = folds
    }

    /// The folder the prepared dataset is installed as.
    public var destination: URL { output.appendingPathComponent(name) }

    /// The first problem with the options, if any, in words for the user.
    public var problem: String? {
        if name.isEmpty || name == "." || name == ".." || name != CaseNaming.sanitized(name) {
            return "dataset name '\(name)' must be letters, digits, '_' or '-' (e.g. BUSI)"
        }
        if !(testFraction >= 0 && testFraction < 1) {
            return "test fraction must be at least 0 and below 1, got \(testFraction)"
        }
        if folds < 2 { return "folds must be at least 2, got \(folds)" }
        return nil
    }
}

/// A problem with a whole preparation run (bad options, nothing usable), as opposed to a
/// problem with one file, which is reported as an `Exclusion`.
public struct PreparationError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, for the user.
    public var description: String
    /// An error that reads `description`.
    public init(_ description: String) { self.description = description }
}
