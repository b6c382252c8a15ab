import Pixels
import Tensor

/// The named ways a coarse segmentation network fails, each a seeded transform of a
/// ground-truth mask whose strength in [0, 1] can be tuned (0 leaves the mask as it is).
public enum FailureMode: String, CaseIterable, Sendable, Codable {
    // Under-segmentation
    case erosion, breakage, disappearance, shrinkage
    // Over-segmentation
    case dilation, attachment, bridge
    // Boundary artefacts
    case contourJitter, roughening, elastic
    // Internal failures
    case holes, dropout
    // False positives
    case islands
    // General shape deformation of the signed distance function
    case sdfPerturbation

    /// Draws this mode's random choices for `lesion`; nil when the mode cannot act on it
    /// (disappearance needs several components, holes need a thick interior, ...).
    func draw(for lesion: LesionContext, using generator: inout SeededGenerator) -> (any CorruptionTransform)? {
        switch self {
        case .erosion: Erosion(lesion: lesion, using: &generator)
        case .breakage: Breakage(lesion: lesion, using: &generator)
        case .disappearance: Disappearance(lesion: lesion)
        case .shrinkage: Shrinkage(lesion: lesion)
        case .dilation: Dilation(lesion: lesion, using: &generator)
        case .attachment: Attachment(lesion: lesion, using: &generator)
        case .bridge: Bridge(lesion: lesion, using: &generator)
        case .contourJitter: ContourJitter(lesion: lesion, using: &generator)
        case .roughening: Roughening(lesion: lesion, using: &generator)
        case .elastic: Elastic(lesion: lesion, using: &generator)
        case .holes: Holes(lesion: lesion, using: &generator)
        case .dropout: Dropout(lesion: lesion, using: &generator)
        case .islands: Islands(lesion: lesion, using: &generator)
        case .sdfPerturbation: SDFPerturbation(lesion: lesion, using: &generator)
        }
    }

    /// Applies this mode alone to `groundTruth` (nonzero = foreground) at `strength` in
    /// [0, 1], drawing its random choices from `generator`. Returns the corrupted 0/1 mask
    /// and the parameters used, or nil when the mode does not apply to this mask.
    public func apply(to groundTruth: Raster<UInt8>, strength: Double,
                      using generator: inout SeededGenerator) -> (mask: Raster<UInt8>, applied: AppliedMode)? {
        let lesion = LesionContext(groundTruth: groundTruth)
        guard lesion.area > 0, let transform = draw(for: lesion, using: &generator) else { return nil }
        var crop = lesion.mask
        transform.apply(to: &crop, strength: strength)
        return (lesion.uncropped(crop), AppliedMode(mode: self, parameters: transform.parameters(strength: strength)))
    }
}

/// One mode as applied to a sample: which, and with what parameters (pixels, angles in
/// radians, counts), for the manifest.
public struct AppliedMode: Sendable, Codable, Equatable {
    /// The mode.
    public var mode: FailureMode
    /// Its parameters by name, at the strength it was applied with.
    public var parameters: [String: Double]

    /// A record of `mode` applied with `parameters`.
    public init(mode: FailureMode, parameters: [String: Double]) {
        self.mode = mode
        self.parameters = parameters
    }
}

/// A mode with its random choices already drawn, so that strength alone moves the result
/// (what the Dice bisection needs). `apply` edits a crop-sized 0/1 mask in place; masks
/// given to it may already carry other modes' changes.
protocol CorruptionTransform: Sendable {
    var mode: FailureMode { get }
    func apply(to mask: inout [UInt8], strength: Double)
    func parameters(strength: Double) -> [String: Double]
}

/// Shared rule of the modes that move the contour by perturbing the signed distance
/// (jitter, roughening, SDF perturbation): a pixel changes exactly where the perturbed
/// function disagrees with the ground truth, so other modes' earlier changes survive.
func applyLevelSet(_ mask: inout [UInt8], sdf: [Float], perturbed: (Int) -> Float) {
    for i in 0..<mask.count {
        let inside = sdf[i] < 0
        if (perturbed(i) < 0) != inside { mask[i] = inside ? 0 : 1 }
    }
}
