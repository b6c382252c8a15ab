import Tensor

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Boundary erosion whose depth varies smoothly along the contour (up to about 2R at full
/// strength); only ever removes ground-truth pixels.
struct Erosion: CorruptionTransform {
    let lesion: LesionContext
    /// Local depth multiplier `max(0, 1 + 0.4 g)`.
    let variation: [Float]
    var mode: FailureMode { .erosion }

    init(lesion: LesionContext, using generator: inout SeededGenerator) {
        self.lesion = lesion
        variation = lesion.boundaryVariation(using: &generator)
    }

    func depth(_ strength: Double) -> Float { Float(strength * lesion.radius) }

    func apply(to mask: inout [UInt8], strength: Double) {
        let d = depth(strength)
        for i in 0..<mask.count where lesion.sdf[i] < 0 && lesion.sdf[i] + d * variation[i] >= 0 {
            mask[i] = 0
        }
    }

    func parameters(strength: Double) -> [String: Double] { ["depth": Double(depth(strength))] }
}

/// Cuts across the lesion along curved lines of varying width, as when a network misses a
/// band of the lesion; a cut through the lesion leaves pieces on both sides, so the
/// component count rises. Only removes pixels.
struct Breakage: CorruptionTransform {
    let lesion: LesionContext
    /// Unit normals and offsets of the cut lines through the lesion core.
    let cuts: [(nx: Double, ny: Double, offset: Double)]
    /// Smooth sideways displacement of the cuts, in pixels.
    let wiggle: [Float]
    /// Smooth local width factor in [0.6, 1.4].
    let taper: [Float]
    var mode: FailureMode { .breakage }

    init(lesion: LesionContext, using generator: inout SeededGenerator) {
        self.lesion = lesion
        let count = generator.uniform() < 0.7 ? 1 : 2
        let start = generator.uniform(0, Double.pi)
        cuts = (0..<count).map { j in
            let angle = start + Double(j) * Double.pi / Double(count) + generator.uniform(-0.3, 0.3)
            return (cos(angle), sin(angle), generator.uniform(-0.3, 0.3) * lesion.radius)
        }
        let amplitude = Float(0.2 * lesion.radius)
        wiggle = lesion.field(correlationLength: 0.8 * lesion.radius, using: &generator).map { $0 * amplitude }
        taper = lesion.field(correlationLength: 0.5 * lesion.radius, using: &generator).map { 1 + 0.16 * $0 }
    }

    func width(_ strength: Double) -> Double { strength * (0.6 * lesion.radius + 2) }

    func apply(to mask: inout [UInt8], strength: Double) {
        let half = width(strength) / 2
        guard half > 0 else { return }
        let w = lesion.width
        for i in 0..<mask.count where mask[i] != 0 && lesion.sdf[i] < 0 {
            let x = Double(i % w) - Double(lesion.coreX), y = Double(i / w) - Double(lesion.coreY)
            let local = half * Double(taper[i])
            for cut in cuts where abs(cut.nx * x + cut.ny * y - cut.offset + Double(wiggle[i])) < local {
                mask[i] = 0
                break
            }
        }
    }

    func parameters(strength: Double) -> [String: Double] {
        ["cuts": Double(cuts.count), "width": width(strength)]
    }
}

/// Whole small components vanish (never the largest one: losing the only lesion gives
/// Dice 0, outside every quality bucket). Strength sets the fraction of the non-largest
/// components removed, smallest first.
struct Disappearance: CorruptionTransform {
    let lesion: LesionContext
    /// Labels of the components that may vanish, smallest first.
    let candidates: [Int32]
    var mode: FailureMode { .disappearance }

    init?(lesion: LesionContext) {
        let sizes = lesion.components.sizes
        guard sizes.count >= 2, let largest = sizes.indices.max(by: { sizes[$0] < sizes[$1] }) else { return nil }
        self.lesion = lesion
        candidates = sizes.indices.filter { $0 != largest }.sorted { sizes[$0] < sizes[$1] }.map { Int32($0 + 1) }
    }

    func removedCount(_ strength: Double) -> Int {
        Int((strength * Double(candidates.count)).rounded(.up))
    }

    func apply(to mask: inout [UInt8], strength: Double) {
        let removed = Set(candidates.prefix(removedCount(strength)))
        guard !removed.isEmpty else { return }
        for i in 0..<mask.count where removed.contains(lesion.components.labels[i]) { mask[i] = 0 }
    }

    func parameters(strength: Double) -> [String: Double] { ["removed": Double(removedCount(strength))] }
}

/// Extreme shrinkage: the lesion scaled down about its centroid (to 20% at full strength),
/// kept inside the ground truth so it only removes.
struct Shrinkage: CorruptionTransform {
    let lesion: LesionContext
    var mode: FailureMode { .shrinkage }

    init(lesion: LesionContext) {
        self.lesion = lesion
    }

    func scale(_ strength: Double) -> Double { 1 - 0.8 * strength }

    func apply(to mask: inout [UInt8], strength: Double) {
        let s = scale(strength)
        let w = lesion.width, h = lesion.height
        for i in 0..<mask.count where mask[i] != 0 && lesion.sdf[i] < 0 {
            let sx = Int((lesion.centroidX + (Double(i % w) - lesion.centroidX) / s).rounded())
            let sy = Int((lesion.centroidY + (Double(i / w) - lesion.centroidY) / s).rounded())
            if sx < 0 || sy < 0 || sx >= w || sy >= h || lesion.mask[sy * w + sx] == 0 { mask[i] = 0 }
        }
    }

    func parameters(strength: Double) -> [String: Double] { ["scale": scale(strength)] }
}
