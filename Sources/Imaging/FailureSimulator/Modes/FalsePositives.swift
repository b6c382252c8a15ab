import Tensor

/// Small spurious islands near the lesion: ellipses centred 3 px to 0.8R + 8 px outside
/// it, each small enough to keep a gap of at least 2.5 px, so never touching the lesion.
/// Only adds.
struct Islands: CorruptionTransform {
    let lesion: LesionContext
    let islands: GrowingEllipses
    let wobble: [Float]
    var mode: FailureMode { .islands }

    init?(lesion: LesionContext, using generator: inout SeededGenerator) {
        let count = 1 + Int(generator.uniform() * 4)
        let ring = Float(0.8 * lesion.radius + 8)
        var islands: [(Ellipse, Double)] = []
        for _ in 0..<count {
            guard let center = lesion.randomPixel(sdfIn: 3...ring, using: &generator) else { return nil }
            let limit = min(Double(lesion.sdf[center]) - 2, generator.uniform(0.15, 0.4) * lesion.radius + 2)
            islands.append((Ellipse(centerX: Double(center % lesion.width), centerY: Double(center / lesion.width),
                                    radius: 0, aspect: generator.uniform(0.5, 1),
                                    angle: generator.uniform(0, Double.pi)), limit))
        }
        self.lesion = lesion
        self.islands = GrowingEllipses(items: islands)
        wobble = lesion.wobble(using: &generator)
    }

    func apply(to mask: inout [UInt8], strength: Double) {
        islands.fill(&mask, lesion: lesion, strength: strength, value: 1, wobble: wobble)
    }

    func parameters(strength: Double) -> [String: Double] {
        islands.parameters(strength: strength)
    }
}
