import Foundation

/// Where a training job is, reported after every iteration.
///
/// `fold` is the fold number of `splits.json`; `foldIndex` (0-based) and `foldCount` place it
/// among the job's folds. `epoch` and `iteration` count from 1. `phase` names the training
/// phase (`transunet` for phase 1), so one display and one log layout serve every phase.
public struct TrainingProgress: Sendable {
    /// The phase name of phase-1 TransUNet training, in progress lines and under `runs/`.
    public static let transUNetPhase = "transunet"

    public var phase: String
    public var fold: Int
    public var foldIndex: Int
    public var foldCount: Int
    public var epoch: Int
    public var epochs: Int
    public var iteration: Int
    public var iterationsPerEpoch: Int
    /// The iteration's loss, 0.5·CE + 0.5·Dice.
    public var loss: Double
    /// Estimated seconds until the whole job ends, from this run's pace; nil before it is known.
    public var secondsRemaining: Double?

    /// A progress report from its parts.
    public init(fold: Int, foldIndex: Int, foldCount: Int, epoch: Int, epochs: Int, iteration: Int,
                iterationsPerEpoch: Int, loss: Double, secondsRemaining: Double?, phase: String = transUNetPhase) {
        self.phase = phase
        self.fold = fold
        self.foldIndex = foldIndex
        self.foldCount = foldCount
        self.epoch = epoch
        self.epochs = epochs
        self.iteration = iteration
        self.iterationsPerEpoch = iterationsPerEpoch
        self.loss = loss
        self.secondsRemaining = secondsRemaining
    }

    /// `fold 0 (1/5) epoch 3/150 iteration 10/80 loss 0.4123`: where the job stands, the start
    /// of the CLI's progress lines and of the daemon's status.
    public var position: String {
        String(format: "fold %d (%d/%d) epoch %d/%d iteration %d/%d loss %.4f",
               fold, foldIndex + 1, foldCount, epoch, epochs, iteration, iterationsPerEpoch, loss)
    }
}
