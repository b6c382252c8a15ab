import Tensor

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Boundary dilation whose width varies smoothly along the contour (up to about 3R at
/// full strength); only ever adds pixels outside the ground truth.
struct Dilation: CorruptionTransform {
    let lesion: LesionContext
    let variation: [Float]
    var mode: FailureMode { .dilation }

    init(lesion: LesionContext, using generator: inout SeededGenerator) {
        self.lesion = lesion
        variation = lesion.boundaryVariation(using: &generator)
    }

    func distance(_ strength: Double) -> Float { Float(strength * 1.5 * lesion.radius) }

    func apply(to mask: inout [UInt8], strength: Double) {
        let d = distance(strength)
        for i in 0..<mask.count where lesion.sdf[i] > 0 && lesion.sdf[i] - d * variation[i] < 0 {
            mask[i] = 1
        }
    }

    func parameters(strength: Double) -> [String: Double] { ["distance": Double(distance(strength))] }
}

/// A walk direction from the lesion core that leaves the lesion inside the crop and has
/// `room` pixels of crop beyond the exit, tried over a few random angles.
private func outwardDirection(_ lesion: LesionContext, room: Double, using generator: inout SeededGenerator)
    -> (angle: Double, inside: (x: Double, y: Double), outside: (x: Double, y: Double))? {
    for _ in 0..<12 {
        let angle = generator.uniform(0, 2 * Double.pi)
        guard let exit = lesion.exit(angle: angle) else { continue }
        let fx = exit.outside.x + cos(angle) * room, fy = exit.outside.y + sin(angle) * room
        if fx >= 0, fy >= 0, fx < Double(lesion.width), fy < Double(lesion.height) {
            return (angle, exit.inside, exit.outside)
        }
    }
    return nil
}

/// Attachment to a nearby structure: an elliptical blob grown onto the contour and joined
/// by a neck, as when a network merges the lesion with an adjacent shadow. Only adds.
struct Attachment: CorruptionTransform {
    let lesion: LesionContext
    let angle: Double
    let inside: (x: Double, y: Double)
    let outside: (x: Double, y: Double)
    let sizeFactor: Double
    let aspect: Double
    let orientation: Double
    let wobble: [Float]
    var mode: FailureMode { .attachment }

    init?(lesion: LesionContext, using generator: inout SeededGenerator) {
        sizeFactor = generator.uniform(0.5, 1.1)
        guard let direction = outwardDirection(lesion, room: 0.6 * sizeFactor * lesion.radius, using: &generator)
        else { return nil }
        self.lesion = lesion
        (angle, inside, outside) = direction
        aspect = generator.uniform(0.5, 1)
        orientation = generator.uniform(0, Double.pi)
        wobble = lesion.wobble(using: &generator)
    }

    func radius(_ strength: Double) -> Double { strength * sizeFactor * lesion.radius }

    func apply(to mask: inout [UInt8], strength: Double) {
        let r = radius(strength)
        guard r * aspect >= 0.5 else { return }
        let center = (x: outside.x + cos(angle) * 0.6 * r, y: outside.y + sin(angle) * 0.6 * r)
        Ellipse(centerX: center.x, centerY: center.y, radius: r, aspect: aspect, angle: orientation)
            .fill(&mask, width: lesion.width, height: lesion.height, value: 1, wobble: wobble)
        Stroke(from: inside, to: center, halfWidth: 0.3 * r * aspect)
            .fill(&mask, width: lesion.width, height: lesion.height, value: 1)
    }

    func parameters(strength: Double) -> [String: Double] {
        ["radius": radius(strength), "aspect": aspect, "angle": angle]
    }
}

/// A thin artificial bridge from the lesion to a separate nearby blob. The blob grows with
/// strength; the bridge appears with it. Only adds.
struct Bridge: CorruptionTransform {
    let lesion: LesionContext
    let angle: Double
    let inside: (x: Double, y: Double)
    let outside: (x: Double, y: Double)
    let gap: Double
    let sizeFactor: Double
    let halfWidth: Double
    let aspect: Double
    let orientation: Double
    let wobble: [Float]
    var mode: FailureMode { .bridge }

    init?(lesion: LesionContext, using generator: inout SeededGenerator) {
        gap = generator.uniform(0.3, 1.0) * lesion.radius + 4
        sizeFactor = generator.uniform(0.4, 0.8)
        guard let direction = outwardDirection(lesion, room: gap + sizeFactor * lesion.radius, using: &generator)
        else { return nil }
        self.lesion = lesion
        (angle, inside, outside) = direction
        halfWidth = generator.uniform(0.75, 1.5)
        aspect = generator.uniform(0.5, 1)
        orientation = generator.uniform(0, Double.pi)
        wobble = lesion.wobble(using: &generator)
    }

    func radius(_ strength: Double) -> Double { strength * sizeFactor * lesion.radius }

    func apply(to mask: inout [UInt8], strength: Double) {
        let r = radius(strength)
        guard r * aspect >= 1 else { return }
        let center = (x: outside.x + cos(angle) * (gap + r), y: outside.y + sin(angle) * (gap + r))
        Ellipse(centerX: center.x, centerY: center.y, radius: r, aspect: aspect, angle: orientation)
            .fill(&mask, width: lesion.width, height: lesion.height, value: 1, wobble: wobble)
        Stroke(from: inside, to: center, halfWidth: halfWidth)
            .fill(&mask, width: lesion.width, height: lesion.height, value: 1)
    }

    func parameters(strength: Double) -> [String: Double] {
        ["radius": radius(strength), "gap": gap, "bridge_width": 2 * halfWidth, "angle": angle]
    }
}
