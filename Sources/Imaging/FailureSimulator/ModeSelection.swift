import Tensor

/// Thresholds that sort lesions into the size and shape classes conditioning the modes.
public struct LesionClasses: Sendable, Equatable {
    /// Below this area (pixels) a lesion is tiny: more likely to disappear or shrink.
    public var tinyArea: Int = 500
    /// From this area (pixels) a lesion is large: more likely to get holes or dropout.
    public var largeArea: Int = 5000
    /// Below this circularity a lesion is irregular: more likely to break.
    public var irregularCircularity: Double = 0.6

    /// The default thresholds.
    public init() {}
}

/// Mode probabilities conditioned on the lesion: a base weight per mode, multiplied for
/// tiny, large and irregular lesions.
enum ModeSelection {
    static let baseWeights: [FailureMode: Double] = [
        .erosion: 1.0, .breakage: 0.5, .disappearance: 1.0, .shrinkage: 0.4,
        .dilation: 1.0, .attachment: 0.6, .bridge: 0.4,
        .contourJitter: 0.6, .roughening: 0.5, .elastic: 0.7,
        .holes: 0.3, .dropout: 0.3, .islands: 0.6, .sdfPerturbation: 1.0,
    ]

    static func weight(_ mode: FailureMode, profile: LesionProfile, classes: LesionClasses) -> Double {
        var w = baseWeights[mode]!
        if profile.area < classes.tinyArea {
            switch mode {
            case .disappearance, .shrinkage: w *= 4
            case .erosion: w *= 2
            case .breakage, .holes, .dropout: w *= 0.25
            default: break
            }
        }
        if profile.area >= classes.largeArea, mode == .holes || mode == .dropout { w *= 2 }
        if profile.circularity < classes.irregularCircularity, mode == .breakage { w *= 4 }
        return w
    }

    /// Draws a mode by weight among `modes`.
    static func pick(from modes: [FailureMode], profile: LesionProfile, classes: LesionClasses,
                     using generator: inout SeededGenerator) -> FailureMode {
        let weights = modes.map { weight($0, profile: profile, classes: classes) }
        var u = generator.uniform() * weights.reduce(0, +)
        for (mode, w) in zip(modes, weights) {
            if u < w { return mode }
            u -= w
        }
        return modes[modes.count - 1]
    }

    /// Boundary artefacts that may accompany a structural failure.
    static let boundaryModes: [FailureMode] = [.contourJitter, .roughening, .elastic]
}
