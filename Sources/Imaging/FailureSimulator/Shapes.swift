#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// A rotated ellipse, the building block of holes, islands and attached structures.
struct Ellipse: Sendable {
    var centerX: Double
    var centerY: Double
    /// Semi-axis along `angle`; the other semi-axis is `radius * aspect` (aspect ≤ 1), so
    /// the ellipse always fits in the disc of `radius`.
    var radius: Double
    var aspect: Double
    var angle: Double

    /// Sets `value` on every pixel of the `width`×`height` grid inside the ellipse. A
    /// `wobble` field (values in [0, 1], one per pixel) pulls the outline in by up to 40%
    /// where it is high, so blobs look irregular yet never leave the ellipse.
    func fill(_ pixels: inout [UInt8], width: Int, height: Int, value: UInt8, wobble: [Float]? = nil) {
        guard radius * aspect >= 0.5 else { return }
        let c = cos(angle), s = sin(angle)
        let x0 = max(0, Int((centerX - radius).rounded(.down)))
        let x1 = min(width - 1, Int((centerX + radius).rounded(.up)))
        let y0 = max(0, Int((centerY - radius).rounded(.down)))
        let y1 = min(height - 1, Int((centerY + radius).rounded(.up)))
        guard x0 <= x1, y0 <= y1 else { return }
        let minor = radius * aspect
        for y in y0...y1 {
            for x in x0...x1 {
                let dx = Double(x) - centerX, dy = Double(y) - centerY
                let u = (dx * c + dy * s) / radius, v = (-dx * s + dy * c) / minor
                let limit = 1 - 0.4 * Double(wobble?[y * width + x] ?? 0)
                if u * u + v * v <= limit * limit { pixels[y * width + x] = value }
            }
        }
    }
}

/// A straight stroke between two points, `halfWidth` pixels to each side. With a half
/// width of at least 0.75 its pixels form an 8-connected chain, which is what makes a
/// bridge or a neck actually connect.
struct Stroke: Sendable {
    var from: (x: Double, y: Double)
    var to: (x: Double, y: Double)
    var halfWidth: Double

    func fill(_ pixels: inout [UInt8], width: Int, height: Int, value: UInt8) {
        let hw = max(halfWidth, 0.75)
        let x0 = max(0, Int((min(from.x, to.x) - hw).rounded(.down)))
        let x1 = min(width - 1, Int((max(from.x, to.x) + hw).rounded(.up)))
        let y0 = max(0, Int((min(from.y, to.y) - hw).rounded(.down)))
        let y1 = min(height - 1, Int((max(from.y, to.y) + hw).rounded(.up)))
        guard x0 <= x1, y0 <= y1 else { return }
        let ex = to.x - from.x, ey = to.y - from.y
        let length2 = max(ex * ex + ey * ey, 1e-12)
        for y in y0...y1 {
            for x in x0...x1 {
                let px = Double(x) - from.x, py = Double(y) - from.y
                let t = min(max((px * ex + py * ey) / length2, 0), 1)
                let dx = px - t * ex, dy = py - t * ey
                if dx * dx + dy * dy <= hw * hw { pixels[y * width + x] = value }
            }
        }
    }
}

/// Ellipses that grow with the corruption strength, each up to its own radius limit: the
/// holes cut into a lesion and the islands scattered beside it.
struct GrowingEllipses: Sendable {
    var items: [(ellipse: Ellipse, limit: Double)]

    /// Fills every ellipse at `strength` × its limit with `value` (1 adds, 0 removes).
    func fill(_ mask: inout [UInt8], lesion: LesionContext, strength: Double, value: UInt8, wobble: [Float]) {
        for (ellipse, limit) in items {
            var grown = ellipse
            grown.radius = strength * limit
            grown.fill(&mask, width: lesion.width, height: lesion.height, value: value, wobble: wobble)
        }
    }

    /// The recorded parameters of the transform at `strength`.
    func parameters(strength: Double) -> [String: Double] {
        ["count": Double(items.count), "max_radius": strength * (items.map(\.limit).max() ?? 0)]
    }
}
