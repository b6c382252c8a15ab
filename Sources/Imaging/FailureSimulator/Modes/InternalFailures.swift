import Tensor

/// Internal holes: elliptical gaps centred deep inside the lesion and sized so every hole
/// pixel stays at least 2.5 px from the background, hence enclosed. Only removes.
struct Holes: CorruptionTransform {
    let lesion: LesionContext
    /// Hole centres with the largest radius that keeps them enclosed.
    let holes: GrowingEllipses
    let wobble: [Float]
    var mode: FailureMode { .holes }

    init?(lesion: LesionContext, using generator: inout SeededGenerator) {
        let count = 1 + Int(generator.uniform() * 3)
        var holes: [(Ellipse, Double)] = []
        for _ in 0..<count {
            guard let center = lesion.randomPixel(sdfIn: -Float.greatestFiniteMagnitude...(-4), using: &generator)
            else { return nil }
            let limit = min(Double(-lesion.sdf[center]) - 2, generator.uniform(0.3, 0.6) * lesion.radius)
            let ellipse = Ellipse(centerX: Double(center % lesion.width), centerY: Double(center / lesion.width),
                                  radius: 0, aspect: generator.uniform(0.5, 1),
                                  angle: generator.uniform(0, Double.pi))
            holes.append((ellipse, limit))
        }
        self.lesion = lesion
        self.holes = GrowingEllipses(items: holes)
        wobble = lesion.wobble(using: &generator)
    }

    func apply(to mask: inout [UInt8], strength: Double) {
        holes.fill(&mask, lesion: lesion, strength: strength, value: 0, wobble: wobble)
    }

    func parameters(strength: Double) -> [String: Double] {
        holes.parameters(strength: strength)
    }
}

/// Partial dropout: whole regions of the lesion lost where a smooth random field exceeds a
/// threshold that falls with strength (nothing at 0, everything at 1). Regions may open
/// onto the contour, unlike holes. Only removes.
struct Dropout: CorruptionTransform {
    let lesion: LesionContext
    let field: [Float]
    let low: Float
    let high: Float
    var mode: FailureMode { .dropout }

    init(lesion: LesionContext, using generator: inout SeededGenerator) {
        self.lesion = lesion
        field = lesion.field(correlationLength: lesion.radius * generator.uniform(0.4, 0.8), using: &generator)
        var low = Float.infinity, high = -Float.infinity
        for i in 0..<field.count where lesion.mask[i] != 0 {
            low = min(low, field[i]); high = max(high, field[i])
        }
        self.low = low
        self.high = high
    }

    func threshold(_ strength: Double) -> Float { high - Float(strength) * (high - low) }

    func apply(to mask: inout [UInt8], strength: Double) {
        guard strength > 0 else { return }
        let t = threshold(strength)
        for i in 0..<mask.count where lesion.mask[i] != 0 && field[i] >= t { mask[i] = 0 }
    }

    func parameters(strength: Double) -> [String: Double] {
        ["threshold": Double(threshold(strength))]
    }
}
