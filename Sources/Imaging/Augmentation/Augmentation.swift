import Tensor

/// The ranges a training augmentation draws each sample's transform from: a rotation about the
/// centre, a horizontal flip, and gamma and contrast jitter of the image.
///
/// Every draw is a pure function of `(seed, epoch, index)`, so a run resumed in the middle of
/// an epoch sees exactly the transforms an uninterrupted run saw. `Codable` so a training job can
/// record the parameters it was started with.
public struct Augmentation: Sendable, Equatable, Codable {
    /// Rotations are uniform in ±this many degrees (counter-clockwise positive).
    public var maxRotationDegrees: Double
    /// Probability of mirroring left–right.
    public var horizontalFlipProbability: Double
    /// Gamma exponent, uniform in this range.
    public var gammaRange: ClosedRange<Double>
    /// Contrast factor around the image mean, uniform in this range.
    public var contrastRange: ClosedRange<Double>

    /// The phase-1 defaults: ±20°, flip half of the time, gamma 0.7–1.5, contrast 0.8–1.2.
    public init(maxRotationDegrees: Double = 20, horizontalFlipProbability: Double = 0.5,
                gammaRange: ClosedRange<Double> = 0.7...1.5, contrastRange: ClosedRange<Double> = 0.8...1.2) {
        self.maxRotationDegrees = maxRotationDegrees
        self.horizontalFlipProbability = horizontalFlipProbability
        self.gammaRange = gammaRange
        self.contrastRange = contrastRange
    }

    /// Parameters that always draw the identity transform.
    public static let none = Augmentation(maxRotationDegrees: 0, horizontalFlipProbability: 0,
                                          gammaRange: 1...1, contrastRange: 1...1)

    /// The transform of sample `index` (its position in the epoch) of `epoch`.
    public func transform(seed: UInt64, epoch: Int, index: Int) -> AugmentationTransform {
        // A fresh generator per sample, so no draw depends on how many samples came before.
        var generator = SeededGenerator(seed: seed).derived(UInt64(epoch)).derived(UInt64(index))
        // low + (high - low)·u: a zero-width range gives its bound exactly, so `.none` is the identity.
        let rotation = generator.uniform(-maxRotationDegrees, maxRotationDegrees)
        let flip = generator.uniform() < horizontalFlipProbability
        let gamma = generator.uniform(gammaRange.lowerBound, gammaRange.upperBound)
        let contrast = generator.uniform(contrastRange.lowerBound, contrastRange.upperBound)
        return AugmentationTransform(rotationDegrees: rotation, flipsHorizontally: flip, gamma: gamma, contrast: contrast)
    }
}
