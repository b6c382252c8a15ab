import Pixels
import Tensor

/// A ground-truth mask cropped to the region the failure modes can reach, with the fields
/// every mode reads (signed distance, components, size). Working on the crop is what keeps
/// large images cheap: nothing outside it ever changes.
struct LesionContext: Sendable {
    let fullWidth: Int
    let fullHeight: Int
    let originX: Int
    let originY: Int
    let width: Int
    let height: Int
    /// Cropped ground truth as 0/1.
    let mask: [UInt8]
    /// Signed distance of the cropped ground truth (see `SignedDistance`).
    let sdf: [Float]
    let components: ConnectedComponents
    let profile: LesionProfile
    /// Centre of mass in crop coordinates.
    let centroidX: Double
    let centroidY: Double
    /// The deepest inside pixel: a start point guaranteed to lie in the lesion.
    let coreX: Int
    let coreY: Int

    var area: Int { profile.area }
    var radius: Double { profile.equivalentRadius }

    /// How far beyond the lesion's bounding box the strongest mode can reach, in units of
    /// the equivalent radius plus a fixed pad (dilation at full strength reaches 3R).
    static func margin(radius: Double) -> Int { Int((3.2 * radius).rounded(.up)) + 12 }

    init(groundTruth: Raster<UInt8>) {
        fullWidth = groundTruth.width
        fullHeight = groundTruth.height
        var minX = Int.max, minY = Int.max, maxX = -1, maxY = -1, count = 0
        for y in 0..<fullHeight {
            for x in 0..<fullWidth where groundTruth[y, x] != 0 {
                minX = min(minX, x); maxX = max(maxX, x)
                minY = min(minY, y); maxY = max(maxY, y)
                count += 1
            }
        }
        if count == 0 { minX = 0; minY = 0; maxX = fullWidth - 1; maxY = fullHeight - 1 }
        let pad = Self.margin(radius: (Double(count) / Double.pi).squareRoot())
        originX = max(0, minX - pad)
        originY = max(0, minY - pad)
        width = min(fullWidth, maxX + pad + 1) - originX
        height = min(fullHeight, maxY + pad + 1) - originY
        var crop = [UInt8](repeating: 0, count: width * height)
        var sumX = 0.0, sumY = 0.0
        for y in 0..<height {
            for x in 0..<width where groundTruth[originY + y, originX + x] != 0 {
                crop[y * width + x] = 1
                sumX += Double(x); sumY += Double(y)
            }
        }
        mask = crop
        let sdf = SignedDistance.compute(crop, width: width, height: height)
        self.sdf = sdf
        components = ConnectedComponents(pixels: crop, width: width, height: height)
        profile = LesionProfile(pixels: crop, width: width, height: height, components: components)
        centroidX = count > 0 ? sumX / Double(count) : Double(width) / 2
        centroidY = count > 0 ? sumY / Double(count) : Double(height) / 2
        let deepest = sdf.indices.min { sdf[$0] < sdf[$1] } ?? 0
        let cropWidth = width
        coreX = deepest % cropWidth
        coreY = deepest / cropWidth
    }

    /// The crop pasted back into an all-background image of the original size.
    func uncropped(_ crop: [UInt8]) -> Raster<UInt8> {
        var full = Raster<UInt8>(width: fullWidth, height: fullHeight, repeating: 0)
        for y in 0..<height {
            for x in 0..<width where crop[y * width + x] != 0 {
                full[originY + y, originX + x] = 1
            }
        }
        return full
    }

    /// A smooth unit-variance field over the crop, clipped to ±2.5 so that every mode's
    /// reach is bounded (the crop margin and the tests rely on that bound).
    func field(correlationLength: Double, using generator: inout SeededGenerator) -> [Float] {
        GaussianRandomField.sample(width: width, height: height, correlationLength: correlationLength,
                                   using: &generator).map { min(max($0, -2.5), 2.5) }
    }

    /// A smooth per-pixel multiplier `max(0, 1 + 0.4 g)` for boundary shifts (erosion depth,
    /// dilation width), so they vary along the contour instead of being a uniform offset.
    func boundaryVariation(using generator: inout SeededGenerator) -> [Float] {
        field(correlationLength: radius * generator.uniform(0.5, 1.2), using: &generator).map { max(0, 1 + 0.4 * $0) }
    }

    /// A smooth field in [0, 1] for irregular blob outlines (see `Ellipse.fill`), with
    /// features a fraction of the lesion's size.
    func wobble(using generator: inout SeededGenerator) -> [Float] {
        field(correlationLength: 0.2 * radius + 1.5, using: &generator).map { ($0 + 2.5) / 5 }
    }

    /// Walking from the lesion core along `angle`: the last inside pixel and the first
    /// outside one, or nil when the walk leaves the crop before leaving the lesion.
    func exit(angle: Double) -> (inside: (x: Double, y: Double), outside: (x: Double, y: Double))? {
        let dx = cos(angle), dy = sin(angle)
        var last = (x: Double(coreX), y: Double(coreY))
        var step = 0.5
        while true {
            let px = Double(coreX) + dx * step, py = Double(coreY) + dy * step
            let ix = Int(px.rounded()), iy = Int(py.rounded())
            guard ix >= 0, iy >= 0, ix < width, iy < height else { return nil }
            if mask[iy * width + ix] == 0 { return (last, (Double(ix), Double(iy))) }
            last = (Double(ix), Double(iy))
            step += 0.5
        }
    }

    /// A uniformly chosen pixel index among those whose signed distance lies in `range`.
    func randomPixel(sdfIn range: ClosedRange<Float>, using generator: inout SeededGenerator) -> Int? {
        let candidates = sdf.indices.filter { range.contains(sdf[$0]) }
        guard !candidates.isEmpty else { return nil }
        return candidates[Int(generator.uniform() * Double(candidates.count))]
    }
}

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
