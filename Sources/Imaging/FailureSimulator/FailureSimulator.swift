import Pixels
import Tensor

/// Generates realistic corrupted versions of ground-truth masks, as a coarse segmentation
/// network would produce them, with a controlled distribution of Dice scores.
///
/// Sample `index` depends only on (seed, index, ground truth): its bucket comes from the
/// stratified schedule, its random choices from the generator derived for that index.
/// Modes are chosen with probabilities conditioned on the lesion (`LesionClasses`), then a
/// single strength is bisected until the Dice lands in the bucket, near a target drawn
/// uniformly within it. Compositions that cannot reach the bucket are escalated, redrawn,
/// and finally replaced by a fitted SDF perturbation that reaches it by construction.
public struct FailureSimulator: Sendable {
    /// Fixes every sample together with its index.
    public var seed: UInt64
    /// Size and shape thresholds conditioning the mode probabilities.
    public var classes: LesionClasses

    /// Masks smaller than this cannot reach every bucket (a 4-pixel mask has no corruption
    /// with Dice in [0.9, 1)), so they are refused.
    public static let minimumArea = 16

    /// A simulator whose samples are fixed by `seed`.
    public init(seed: UInt64, classes: LesionClasses = LesionClasses()) {
        self.seed = seed
        self.classes = classes
    }

    /// Sample `index` in its scheduled bucket.
    public func sample(groundTruth: Raster<UInt8>, index: Int) throws -> SimulatedSample {
        try sample(groundTruth: groundTruth, index: index,
                   bucket: QualityBucket.scheduled(index: index, seed: seed))
    }

    /// Sample `index` in a chosen bucket. Throws `SimulatorError` for masks under
    /// `minimumArea` pixels.
    public func sample(groundTruth: Raster<UInt8>, index: Int, bucket: QualityBucket) throws -> SimulatedSample {
        var generator = SeededGenerator(seed: seed).derived(UInt64(truncatingIfNeeded: index))
        let lesion = LesionContext(groundTruth: groundTruth)
        guard lesion.area >= Self.minimumArea else {
            throw SimulatorError(description: "mask has \(lesion.area) foreground pixels; the simulator needs at least \(Self.minimumArea)")
        }
        let corruption = bucket == .perfect
            ? Corruption(mask: lesion.mask, modes: [], dice: 1)
            : try corrupt(lesion, bucket: bucket, using: &generator)
        let mask = lesion.uncropped(corruption.mask)
        let temperature = generator.uniform(0.7, 2.0)  // up to 4.4 after the ±2.5σ modulation
        let probability = SoftProbability.of(mask, temperature: temperature, using: &generator)
        return SimulatedSample(index: index, bucket: bucket, mask: mask, probability: probability,
                               modes: corruption.modes, dice: corruption.dice,
                               temperature: temperature, profile: lesion.profile)
    }

    struct Corruption {
        var mask: [UInt8]
        var modes: [AppliedMode]
        var dice: Double
    }

    /// A drawn mode and the fraction of the common strength it receives.
    struct Layer {
        var transform: any CorruptionTransform
        var scale: Double
    }

    func corrupt(_ lesion: LesionContext, bucket: QualityBucket,
                 using generator: inout SeededGenerator) throws -> Corruption {
        let target = generator.uniform(bucket.lowerBound, bucket.upperBound)
        for _ in 0..<3 {
            var layers = compose(lesion, using: &generator)
            if let found = search(layers, lesion: lesion, bucket: bucket, target: target) { return found }
            // Too weak to reach the bucket: add a mode that can reach any Dice.
            let escalation: FailureMode = generator.uniform() < 0.5 ? .erosion : .dilation
            if let extra = escalation.draw(for: lesion, using: &generator) {
                layers.insert(Layer(transform: extra, scale: 1), at: 1)
                if let found = search(layers, lesion: lesion, bucket: bucket, target: target) { return found }
            }
        }
        let amplitude = (1 - bucket.lowerBound) * 0.5 * lesion.radius * generator.uniform()
        for a in [amplitude, 0] {
            if let fitted = SDFPerturbation.fitted(lesion: lesion, bucket: bucket, target: target,
                                                   amplitude: a, using: &generator) {
                return Corruption(mask: fitted.mask, modes: [fitted.applied], dice: fitted.dice)
            }
        }
        throw SimulatorError(description: "no corruption of this \(lesion.area)-pixel mask has Dice in \(bucket.rangeDescription)")
    }

    /// A primary mode drawn with the lesion-conditioned probabilities, sometimes joined by a
    /// boundary artefact and by false-positive islands at a fraction of its strength.
    func compose(_ lesion: LesionContext, using generator: inout SeededGenerator) -> [Layer] {
        var available = FailureMode.allCases
        var layers: [Layer] = []
        while layers.isEmpty, !available.isEmpty {
            let mode = ModeSelection.pick(from: available, profile: lesion.profile, classes: classes, using: &generator)
            available.removeAll { $0 == mode }
            if let transform = mode.draw(for: lesion, using: &generator) {
                layers.append(Layer(transform: transform, scale: 1))
            }
        }
        let primary = layers.first?.transform.mode
        if generator.uniform() < 0.4, let primary, !ModeSelection.boundaryModes.contains(primary) {
            let mode = ModeSelection.boundaryModes[Int(generator.uniform() * 3)]
            if let transform = mode.draw(for: lesion, using: &generator) {
                layers.append(Layer(transform: transform, scale: generator.uniform(0.25, 0.6)))
            }
        }
        if generator.uniform() < 0.2, primary != .islands,
           let transform = FailureMode.islands.draw(for: lesion, using: &generator) {
            layers.append(Layer(transform: transform, scale: generator.uniform(0.3, 0.8)))
        }
        return layers
    }

    /// Bisects the common strength toward `target`; returns the in-bucket result closest to
    /// it, or nil when no evaluated strength landed in the bucket.
    func search(_ layers: [Layer], lesion: LesionContext, bucket: QualityBucket, target: Double) -> Corruption? {
        var best: (strength: Double, mask: [UInt8], dice: Double)?
        func evaluate(_ strength: Double) -> Double {
            var mask = lesion.mask
            for layer in layers { layer.transform.apply(to: &mask, strength: min(1, layer.scale * strength)) }
            var intersection = 0, area = 0
            for i in 0..<mask.count where mask[i] != 0 {
                area += 1
                intersection += Int(lesion.mask[i])
            }
            let dice = Overlap.dice(intersection: intersection, areaA: lesion.area, areaB: area)
            if bucket.contains(dice), abs(dice - target) < abs((best?.dice ?? .infinity) - target) {
                best = (strength, mask, dice)
            }
            return dice
        }
        guard evaluate(1) < bucket.lowerBound || best != nil else { return nil }
        var low = 0.0, high = 1.0
        for _ in 0..<14 {
            if let best, abs(best.dice - target) < 0.005 { break }
            let mid = (low + high) / 2
            if evaluate(mid) > target { low = mid } else { high = mid }
        }
        guard let best else { return nil }
        let modes = layers.map { layer in
            AppliedMode(mode: layer.transform.mode,
                        parameters: layer.transform.parameters(strength: min(1, layer.scale * best.strength)))
        }
        return Corruption(mask: best.mask, modes: modes, dice: best.dice)
    }
}

/// One generated sample: the corrupted mask, its soft version and how it was made.
public struct SimulatedSample: Sendable {
    /// The sample's index, which with the seed fixes it.
    public let index: Int
    /// The bucket the sample was generated for; `dice` lies inside it.
    public let bucket: QualityBucket
    /// Corrupted binary mask, 0/1, the ground truth's size.
    public let mask: Raster<UInt8>
    /// Soft foreground probability; exactly `mask` where it exceeds 0.5.
    public let probability: Raster<Float>
    /// Modes applied, in order, with their parameters.
    public let modes: [AppliedMode]
    /// Dice of `mask` against the ground truth.
    public let dice: Double
    /// Base temperature of the soft version.
    public let temperature: Double
    /// Measurements of the ground truth that conditioned the modes.
    public let profile: LesionProfile

    /// Weight for the change penalty (`QualityWeight.forDice`).
    public var qualityWeight: Double { QualityWeight.forDice(dice) }
}

/// A mask the simulator cannot work with.
public struct SimulatorError: Error, CustomStringConvertible, Sendable {
    /// What is wrong with the mask.
    public let description: String
}
