import Tensor

/// The seeds of a job's random choices, each derived from the job seed and its position
/// (fold, epoch or iteration) alone, so a resumed job repeats them exactly.
struct TrainingSeeds {
    let seed: UInt64

    /// Initial weights: the same for every fold, as every fold starts from the same model.
    var weights: UInt64 { stream(0, 0, 0) }

    /// The shuffle of the fold's training cases in `epoch` (0-based).
    func shuffle(fold: Int, epoch: Int) -> UInt64 { stream(1, fold, epoch) }

    /// The dropout masks of the fold's `iteration` (0-based over the whole fold).
    func dropout(fold: Int, iteration: Int) -> SeededGenerator {
        SeededGenerator(seed: stream(2, fold, iteration))
    }

    /// The refiner phases' coarse maps (failure simulator samples, option A+B draws) of a fold.
    func coarseMaps(fold: Int) -> UInt64 { stream(5, fold, 0) }

    /// Which of a fold's training cases a capped refiner phase keeps (`maxTrainCases`).
    func subset(fold: Int) -> UInt64 { stream(6, fold, 0) }

    /// The random outward shifts of a fold's ground-truth box prompts (phase 2, `gt-box`).
    func boxJitter(fold: Int) -> UInt64 { stream(7, fold, 0) }

    /// LoRA adapters' initial weights in the refiner phases.
    var adapters: UInt64 { stream(4, 0, 0) }

    /// The seed of the fold's augmentation transforms, which `Augmentation.transform` combines
    /// with the epoch and the sample's position in it.
    func augmentation(fold: Int) -> UInt64 { stream(3, fold, 0) }

    private func stream(_ purpose: UInt64, _ fold: Int, _ position: Int) -> UInt64 {
        var generator = SeededGenerator(seed: seed)
            .derived(purpose)
            .derived(UInt64(fold))
            .derived(UInt64(position))
        return generator.next()
    }
}
