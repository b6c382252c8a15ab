/// The outcome of one trained fold, stored as `fold{k}/result.json` once the fold is complete
/// (its presence is what makes a resumed job skip the fold).
public struct FoldResult: Sendable, Codable, Equatable {
    /// Fold number in `splits.json`.
    public var fold: Int
    /// Mean Dice over the validation cases at threshold 0.5, at the model's input size.
    public var valDice: Double
    /// The validation cases, each with an `oof/CASE.npy`.
    public var valCases: [String]
    /// Number of training cases.
    public var trainCases: Int
    /// SGD steps taken over the fold.
    public var iterations: Int
    /// The fold's final weights, relative to the job folder.
    public var model: String
}

/// What a training job produced, also written as `report.json` in the job folder.
public struct TrainingReport: Sendable, Codable, Equatable {
    /// The model preset and input side trained.
    public var preset: String
    public var imageSize: Int
    public var epochs: Int
    public var batchSize: Int
    public var learningRate: Float
    public var seed: UInt64
    /// One entry per trained fold, in the job's fold order.
    public var folds: [FoldResult]
    /// The fold with the highest validation Dice (the first of equals).
    public var bestFold: Int
    /// Mean of the folds' validation Dice.
    public var meanValDice: Double
    /// The model to promote, relative to the job folder: the best fold's weights.
    public var modelToPromote: String
}
