import Tensor

/// Contour jitter: the signed distance plus fine-grained noise (correlation 1.5–4 px), so
/// the contour wobbles within a band of 2.5 × amplitude around the true edge.
struct ContourJitter: CorruptionTransform {
    let lesion: LesionContext
    let noise: [Float]
    let maxAmplitude: Double
    var mode: FailureMode { .contourJitter }

    init(lesion: LesionContext, using generator: inout SeededGenerator) {
        self.lesion = lesion
        noise = lesion.field(correlationLength: generator.uniform(1.5, 4), using: &generator)
        maxAmplitude = min(0.3 * lesion.radius, 4) + 1
    }

    func amplitude(_ strength: Double) -> Float { Float(strength * maxAmplitude) }

    func apply(to mask: inout [UInt8], strength: Double) {
        let a = amplitude(strength)
        applyLevelSet(&mask, sdf: lesion.sdf) { lesion.sdf[$0] + a * noise[$0] }
    }

    func parameters(strength: Double) -> [String: Double] { ["amplitude": Double(amplitude(strength))] }
}

/// Edge roughening as from low-resolution features: the contour moves by one random amount
/// per coarse cell (a feature map's patch), giving blocky, stepped edges.
struct Roughening: CorruptionTransform {
    let lesion: LesionContext
    let cell: Int
    /// One clipped standard normal per pixel, constant over each cell.
    let offsets: [Float]
    var mode: FailureMode { .roughening }

    init(lesion: LesionContext, using generator: inout SeededGenerator) {
        self.lesion = lesion
        cell = max(3, Int((lesion.radius / generator.uniform(3, 6)).rounded()))
        let phaseX = Int(generator.uniform() * Double(cell)), phaseY = Int(generator.uniform() * Double(cell))
        let columns = (lesion.width + phaseX) / cell + 1, rows = (lesion.height + phaseY) / cell + 1
        var cells = [Float](repeating: 0, count: columns * rows)
        for i in 0..<cells.count { cells[i] = Float(min(max(generator.normal(), -2.5), 2.5)) }
        var offsets = [Float](repeating: 0, count: lesion.width * lesion.height)
        for y in 0..<lesion.height {
            let row = (y + phaseY) / cell * columns
            for x in 0..<lesion.width { offsets[y * lesion.width + x] = cells[row + (x + phaseX) / cell] }
        }
        self.offsets = offsets
    }

    func amplitude(_ strength: Double) -> Float { Float(strength * 0.8 * Double(cell)) }

    func apply(to mask: inout [UInt8], strength: Double) {
        let a = amplitude(strength)
        applyLevelSet(&mask, sdf: lesion.sdf) { lesion.sdf[$0] + a * offsets[$0] }
    }

    func parameters(strength: Double) -> [String: Double] {
        ["cell": Double(cell), "amplitude": Double(amplitude(strength))]
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
