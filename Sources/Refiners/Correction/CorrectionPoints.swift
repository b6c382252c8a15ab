/// A click on the correction grid: a pixel the user (or the simulated user) says is lesion
/// (`positive`) or background.
public struct CorrectionClick: Codable, Sendable, Equatable {
    /// Column on the grid.
    public var x: Int
    /// Row on the grid.
    public var y: Int
    /// True for "this is lesion", false for "this is background".
    public var positive: Bool

    public init(x: Int, y: Int, positive: Bool) {
        self.x = x
        self.y = y
        self.positive = positive
    }
}

/// The points one correction round looks at and rewrites: K *uncertain* pixels and K *error*
/// pixels of the current mask, each with an 8-D feature, padded or truncated to 2K slots
/// (uncertain slots first), so the GRU always sees a fixed-size input.
///
/// Features of a real point, in order:
/// 0. x, the column over (width − 1): 0 at the left edge, 1 at the right
/// 1. y, the row over (height − 1)
/// 2. the current foreground probability at the pixel
/// 3. the label of the click that made it an error point, +1 lesion or −1 background; 0 for an
///    uncertain point (so this also tells the two sets apart)
/// 4. the padding flag, 0
/// 5. distance to the first click over the grid's diagonal (1 when there is no click yet):
///    the first click is the user's main intent, usually the lesion's centre
/// 6. the first click's label, +1 / −1 (0 when there is none)
/// 7. the round number over `CorrectionPoints.roundScale`, so the network knows how far along
///    the interaction is
///
/// A padding slot has every feature 0 except the padding flag, 1, and coordinates (0, 0).
public struct CorrectionPoints: Sendable, Equatable {
    /// Features per point.
    public static let featureCount = 8
    /// Rounds map to feature 7 as round / roundScale (the usual budget is 5 clicks).
    public static let roundScale: Float = 5
    /// Index of the padding flag among the features.
    public static let paddingFeature = 4

    /// Slots per set (K); there are 2K slots.
    public let pointsPerSet: Int
    /// Row-major pixel index of each slot, nil for padding.
    public let pixels: [Int?]
    /// (2K × 8) row-major features (see the type's documentation).
    public let features: [Float]
    /// (2K × 2) row-major normalised (x, y); (0, 0) for padding.
    public let coordinates: [Float]

    /// Gathers the points of a round on a `width`×`height` map of foreground `probabilities`.
    ///
    /// Uncertain points are pixels with τ < p < 1 − τ, closest to 0.5 first (ties in raster
    /// order). Error points are pixels within `radius` of a click whose thresholded mask
    /// disagrees with that click's label, where a pixel belongs to its nearest click (ties: the
    /// later click), nearest first. An error pixel is not also taken as uncertain, so every
    /// pixel is written at most once.
    public init(probabilities: [Float], width: Int, height: Int, clicks: [CorrectionClick], round: Int,
                pointsPerSet: Int, uncertaintyMargin tau: Float, radius: Int) {
        precondition(probabilities.count == width * height, "CorrectionPoints: \(probabilities.count) probabilities for \(width)×\(height)")
        precondition(clicks.allSatisfy { (0..<width).contains($0.x) && (0..<height).contains($0.y) },
                     "CorrectionPoints: a click lies outside the \(width)×\(height) grid")
        self.pointsPerSet = pointsPerSet
        let errors = Self.errorPoints(probabilities: probabilities, width: width, height: height, clicks: clicks,
                                      radius: radius, limit: pointsPerSet)
        let taken = Set(errors.map(\.pixel))
        let uncertain = Self.uncertainPixels(probabilities: probabilities, margin: tau, excluding: taken, limit: pointsPerSet)

        let first = clicks.first
        let diagonal = Float(width * width + height * height).squareRoot()
        let sx = 1 / Float(max(width - 1, 1)), sy = 1 / Float(max(height - 1, 1))
        var pixels: [Int?] = [], features: [Float] = [], coordinates: [Float] = []
        func append(_ pixel: Int?, label: Float) {
            pixels.append(pixel)
            guard let pixel else {
                var padding = [Float](repeating: 0, count: Self.featureCount)
                padding[Self.paddingFeature] = 1
                features += padding
                coordinates += [0, 0]
                return
            }
            let x = pixel % width, y = pixel / width
            let toFirst = first.map { Float(($0.x - x) * ($0.x - x) + ($0.y - y) * ($0.y - y)).squareRoot() / diagonal } ?? 1
            let firstLabel: Float = first.map { $0.positive ? 1 : -1 } ?? 0
            features += [Float(x) * sx, Float(y) * sy, probabilities[pixel], label, 0, toFirst, firstLabel,
                         Float(round) / Self.roundScale]
            coordinates += [Float(x) * sx, Float(y) * sy]
        }
        for i in 0..<pointsPerSet { append(i < uncertain.count ? uncertain[i] : nil, label: 0) }
        for i in 0..<pointsPerSet {
            if i < errors.count { append(errors[i].pixel, label: errors[i].positive ? 1 : -1) } else { append(nil, label: 0) }
        }
        self.pixels = pixels
        self.features = features
        self.coordinates = coordinates
    }

    /// Slots holding a real point (not padding): 1, else 0, per slot.
    public var realMask: [Float] { pixels.map { $0 == nil ? 0 : 1 } }

    /// Slots of the uncertain set holding a real point: 1, else 0, per slot (error slots 0).
    public var uncertainMask: [Float] { pixels.enumerated().map { $0.offset < pointsPerSet && $0.element != nil ? 1 : 0 } }

    /// Pixels with `margin` < p < 1 − `margin`, not in `excluding`, closest to 0.5 first.
    static func uncertainPixels(probabilities: [Float], margin: Float, excluding: Set<Int>, limit: Int) -> [Int] {
        let candidates = probabilities.indices.filter { i in
            probabilities[i] > margin && probabilities[i] < 1 - margin && !excluding.contains(i)
        }
        let ranked = candidates.sorted { a, b in
            let da = abs(probabilities[a] - 0.5), db = abs(probabilities[b] - 0.5)
            return da != db ? da < db : a < b
        }
        return Array(ranked.prefix(limit))
    }

    /// Pixels within `radius` of their nearest click where the mask (p > 0.5) disagrees with
    /// that click's label, nearest first (then the later click, then raster order).
    static func errorPoints(probabilities: [Float], width: Int, height: Int, clicks: [CorrectionClick],
                            radius: Int, limit: Int) -> [(pixel: Int, positive: Bool)] {
        // Nearest click of every pixel in reach: (squared distance, click index).
        var nearest: [Int: (distance: Int, click: Int)] = [:]
        for (index, click) in clicks.enumerated() {
            for y in max(0, click.y - radius)...min(height - 1, click.y + radius) {
                for x in max(0, click.x - radius)...min(width - 1, click.x + radius) {
                    let d = (x - click.x) * (x - click.x) + (y - click.y) * (y - click.y)
                    guard d <= radius * radius else { continue }
                    let pixel = y * width + x
                    // Later clicks win ties: they are the user's latest word.
                    if let held = nearest[pixel], held.distance < d { continue }
                    nearest[pixel] = (d, index)
                }
            }
        }
        let wrong = nearest.filter { pixel, owner in (probabilities[pixel] > 0.5) != clicks[owner.click].positive }
        let ranked = wrong.sorted { a, b in
            if a.value.distance != b.value.distance { return a.value.distance < b.value.distance }
            if a.value.click != b.value.click { return a.value.click > b.value.click }
            return a.key < b.key
        }
        return ranked.prefix(limit).map { (pixel: $0.key, positive: clicks[$0.value.click].positive) }
    }
}
