import Tensor

/// SDF-based deformation `φ' = φ + c + a·G`, thresholded at `φ' < 0`: a global offset `c`
/// (erodes when positive) and a smooth Gaussian random field `G` of amplitude `a`.
///
/// Regularisation: `G` is smooth by construction (B-spline field, correlation 0.4–1.2R),
/// and an area constraint keeps the result between 0.5 and 1.8 times the lesion's area by
/// moving `c` (bisection), so strong perturbations still give plausible lesion shapes.
struct SDFPerturbation: CorruptionTransform {
    let lesion: LesionContext
    let field: [Float]
    let offsetAtFull: Double
    let amplitudeAtFull: Double
    static let areaRange = 0.5...1.8
    var mode: FailureMode { .sdfPerturbation }

    init(lesion: LesionContext, using generator: inout SeededGenerator) {
        self.lesion = lesion
        field = lesion.field(correlationLength: lesion.radius * generator.uniform(0.4, 1.2), using: &generator)
        offsetAtFull = generator.uniform(-0.35, 0.35) * lesion.radius
        amplitudeAtFull = 0.5 * lesion.radius
    }

    func area(offset c: Float, amplitude a: Float) -> Int {
        var count = 0
        for i in 0..<field.count where lesion.sdf[i] + c + a * field[i] < 0 { count += 1 }
        return count
    }

    /// The offset after the area constraint.
    func offset(_ strength: Double) -> Float {
        let a = Float(strength * amplitudeAtFull)
        let c = Float(strength * offsetAtFull)
        let minimum = Int(Self.areaRange.lowerBound * Double(lesion.area))
        let maximum = Int(Self.areaRange.upperBound * Double(lesion.area))
        let current = area(offset: c, amplitude: a)
        guard current < minimum || current > maximum else { return c }
        // Area falls as c rises. Too small: find the largest c that still reaches the
        // minimum; too large: the smallest c that gets under the maximum.
        let reach = Float(lesion.radius) * 2 + a * 2.5
        let tooSmall = current < minimum
        var low = tooSmall ? c - reach : c
        var high = tooSmall ? c : c + reach
        for _ in 0..<24 {
            let mid = (low + high) / 2
            let n = area(offset: mid, amplitude: a)
            // `high` moves down while the area at `mid` is still too small (first case) or
            // already allowed (second case).
            if tooSmall ? n < minimum : n <= maximum {
                high = mid
            } else {
                low = mid
            }
        }
        return tooSmall ? low : high
    }

    func apply(to mask: inout [UInt8], strength: Double) {
        let a = Float(strength * amplitudeAtFull), c = offset(strength)
        applyLevelSet(&mask, sdf: lesion.sdf) { lesion.sdf[$0] + c + a * field[$0] }
    }

    func parameters(strength: Double) -> [String: Double] {
        ["offset": Double(offset(strength)), "amplitude": strength * amplitudeAtFull]
    }

    /// The fallback that always reaches a feasible bucket: pixels ranked by
    /// `φ + a·G` (ties broken by tiny noise), and exactly as many of the lowest taken as
    /// puts the Dice closest to `target` inside `bucket`. Equivalent to choosing `c` so that
    /// `φ + c + a·G < 0` holds for exactly those pixels.
    static func fitted(lesion: LesionContext, bucket: QualityBucket, target: Double, amplitude: Double,
                       using generator: inout SeededGenerator) -> (mask: [UInt8], applied: AppliedMode, dice: Double)? {
        let field = lesion.field(correlationLength: lesion.radius * generator.uniform(0.4, 1.2), using: &generator)
        let a = Float(amplitude)
        var values = [Float](repeating: 0, count: field.count)
        for i in 0..<values.count {
            values[i] = lesion.sdf[i] + a * field[i] + Float(generator.uniform(0, 1e-3))
        }
        let order = values.indices.sorted { values[$0] < values[$1] }
        var intersection = 0
        var best: (count: Int, dice: Double)?
        for (k, index) in order.enumerated() {
            intersection += Int(lesion.mask[index])
            let dice = Overlap.dice(intersection: intersection, areaA: lesion.area, areaB: k + 1)
            if bucket.contains(dice), abs(dice - target) < abs((best?.dice ?? .infinity) - target) {
                best = (k + 1, dice)
            }
            if k + 1 > 4 * lesion.area + 64 { break }
        }
        guard let best else { return nil }
        var mask = [UInt8](repeating: 0, count: field.count)
        for index in order.prefix(best.count) { mask[index] = 1 }
        let lastIn = values[order[best.count - 1]]
        let firstOut = best.count < order.count ? values[order[best.count]] : lastIn + 1
        let applied = AppliedMode(mode: .sdfPerturbation, parameters: [
            "offset": Double(-(lastIn + firstOut) / 2), "amplitude": amplitude, "fitted": 1,
        ])
        return (mask, applied, best.dice)
    }
}
