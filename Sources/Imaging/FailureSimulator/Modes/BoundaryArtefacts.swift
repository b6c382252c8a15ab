import Tensor

/// Contour jitter: the signed distance plus fine-grained noise (correlation 2–5 px), so
/// the contour wobbles within a band of 2.5 × amplitude around the true edge. The amplitude
/// stays small (at most 3.5 px): larger jitter turns into spikes no network produces.
struct ContourJitter: CorruptionTransform {
    let lesion: LesionContext
    let noise: [Float]
    let maxAmplitude: Double
    var mode: FailureMode { .contourJitter }

    init(lesion: LesionContext, using generator: inout SeededGenerator) {
        self.lesion = lesion
        noise = lesion.field(correlationLength: generator.uniform(2, 5), using: &generator)
        maxAmplitude = min(0.15 * lesion.radius, 3) + 0.5
    }

    func amplitude(_ strength: Double) -> Float { Float(strength * maxAmplitude) }

    func apply(to mask: inout [UInt8], strength: Double) {
        let a = amplitude(strength)
        applyLevelSet(&mask, sdf: lesion.sdf) { lesion.sdf[$0] + a * noise[$0] }
    }

    func parameters(strength: Double) -> [String: Double] { ["amplitude": Double(amplitude(strength))] }
}

/// Edge roughening as from low-resolution features: the signed distance as a stride-`cell`
/// feature map would carry it (sampled every `cell` pixels, bilinearly upsampled, which
/// cuts corners and straightens the contour between samples), plus one random offset per
/// coarse cell, also upsampled bilinearly (lumps at the cell scale).
struct Roughening: CorruptionTransform {
    let lesion: LesionContext
    let cell: Int
    /// Upsampled coarse signed distance minus the exact one.
    let coarseError: [Float]
    /// Upsampled per-cell offsets (clipped standard normals).
    let lumps: [Float]
    var mode: FailureMode { .roughening }

    init(lesion: LesionContext, using generator: inout SeededGenerator) {
        self.lesion = lesion
        let cell = max(3, Int((lesion.radius / generator.uniform(2.5, 5)).rounded()))
        self.cell = cell
        let grid = CoarseGrid(width: lesion.width, height: lesion.height, cell: cell,
                              phaseX: Int(generator.uniform() * Double(cell)),
                              phaseY: Int(generator.uniform() * Double(cell)))
        let sampled = grid.sample { x, y in
            lesion.sdf[min(max(y, 0), lesion.height - 1) * lesion.width + min(max(x, 0), lesion.width - 1)]
        }
        coarseError = zip(grid.upsample(sampled), lesion.sdf).map { $0 - $1 }
        lumps = grid.upsample(grid.sample { _, _ in Float(min(max(generator.normal(), -2.5), 2.5)) })
    }

    func amplitude(_ strength: Double) -> Float { Float(strength * 0.5 * Double(cell)) }

    func apply(to mask: inout [UInt8], strength: Double) {
        let a = amplitude(strength), t = Float(strength)
        applyLevelSet(&mask, sdf: lesion.sdf) { lesion.sdf[$0] + t * coarseError[$0] + a * lumps[$0] }
    }

    func parameters(strength: Double) -> [String: Double] {
        ["cell": Double(cell), "amplitude": Double(amplitude(strength)), "coarseness": strength]
    }
}

/// A coarse grid of nodes every `cell` pixels (offset by a phase) over a crop, with
/// bilinear upsampling back to the crop's pixels.
struct CoarseGrid {
    let width: Int
    let height: Int
    let cell: Int
    let phaseX: Int
    let phaseY: Int
    var columns: Int { (width + phaseX) / cell + 2 }
    var rows: Int { (height + phaseY) / cell + 2 }

    /// One value per node, from the node's pixel position (which may lie outside the crop).
    func sample(_ value: (Int, Int) -> Float) -> [Float] {
        var nodes = [Float](repeating: 0, count: columns * rows)
        for r in 0..<rows {
            for c in 0..<columns { nodes[r * columns + c] = value(c * cell - phaseX, r * cell - phaseY) }
        }
        return nodes
    }

    func upsample(_ nodes: [Float]) -> [Float] {
        var out = [Float](repeating: 0, count: width * height)
        let step = Float(cell)
        for y in 0..<height {
            let r = (y + phaseY) / cell, fy = Float((y + phaseY) % cell) / step
            for x in 0..<width {
                let c = (x + phaseX) / cell, fx = Float((x + phaseX) % cell) / step
                let top = nodes[r * columns + c] * (1 - fx) + nodes[r * columns + c + 1] * fx
                let bottom = nodes[(r + 1) * columns + c] * (1 - fx) + nodes[(r + 1) * columns + c + 1] * fx
                out[y * width + x] = top * (1 - fy) + bottom * fy
            }
        }
        return out
    }
}

/// Elastic deformation: the mask resampled (nearest) through a smooth random displacement
/// field, at most 2.5 × amplitude per axis.
struct Elastic: CorruptionTransform {
    let lesion: LesionContext
    let dx: [Float]
    let dy: [Float]
    let maxAmplitude: Double
    var mode: FailureMode { .elastic }

    init(lesion: LesionContext, using generator: inout SeededGenerator) {
        self.lesion = lesion
        let correlation = lesion.radius * generator.uniform(0.6, 1.2)
        dx = lesion.field(correlationLength: correlation, using: &generator)
        dy = lesion.field(correlationLength: correlation, using: &generator)
        maxAmplitude = 0.3 * lesion.radius * generator.uniform(0.7, 1.3)
    }

    func amplitude(_ strength: Double) -> Float { Float(strength * maxAmplitude) }

    func apply(to mask: inout [UInt8], strength: Double) {
        let a = amplitude(strength)
        guard a > 0 else { return }
        let source = mask
        let w = lesion.width, h = lesion.height
        // Nearest sampling; the +0.5 and the shift by a whole crop keep truncation a rounding
        // for every coordinate the clipped displacement can reach.
        let shiftX = Float(w), shiftY = Float(h)
        for y in 0..<h {
            for x in 0..<w {
                let i = y * w + x
                let sx = Int(Float(x) + a * dx[i] + 0.5 + shiftX) - w
                let sy = Int(Float(y) + a * dy[i] + 0.5 + shiftY) - h
                mask[i] = sx >= 0 && sy >= 0 && sx < w && sy < h ? source[sy * w + sx] : 0
            }
        }
    }

    func parameters(strength: Double) -> [String: Double] { ["amplitude": Double(amplitude(strength))] }
}
