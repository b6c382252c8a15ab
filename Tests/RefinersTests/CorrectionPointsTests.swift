import Testing
@testable import Refiners

/// The corrector's point sets: ranking of uncertain pixels, the click radius, padding, and
/// the feature layout the GRU is trained on.
struct CorrectionPointsTests {
    static func points(_ p: [Float], width: Int, height: Int, clicks: [CorrectionClick] = [], round: Int = 1,
                       k: Int, radius: Int = 1) -> CorrectionPoints {
        CorrectionPoints(probabilities: p, width: width, height: height, clicks: clicks, round: round, pointsPerSet: k,
                         uncertaintyMargin: 0.1, radius: radius)
    }

    @Test func uncertainPointsAreInsideTheMarginClosestToOneHalfFirst() {
        // Raster order: 0.05 and 0.95 are outside τ = 0.1; 0.1 is on the boundary (excluded).
        let p: [Float] = [0.05, 0.7, 0.45, 0.95, 0.52, 0.1, 0.3, 0.55]
        let points = Self.points(p, width: 4, height: 2, k: 3)
        #expect(points.pixels.prefix(3).map { $0 } == [4, 2, 7])  // |p − .5| = .02, .05, .05 (tie: raster order)
        // The fourth candidate (0.3 or 0.7) is truncated; the error set is all padding.
        #expect(points.pixels.suffix(3).allSatisfy { $0 == nil })
    }

    @Test func paddingSlotsHaveOnlyTheirFlagSet() {
        let points = Self.points([0.5, 0.99, 0.01, 0.99], width: 2, height: 2, k: 3)
        #expect(points.pixels == [0, nil, nil, nil, nil, nil])
        #expect(points.realMask == [1, 0, 0, 0, 0, 0])
        for slot in 1..<6 {
            let features = Array(points.features[(slot * 8)..<(slot * 8 + 8)])
            #expect(features == [0, 0, 0, 0, 1, 0, 0, 0])
            #expect(points.coordinates[(slot * 2)..<(slot * 2 + 2)] == [0, 0])
        }
        #expect(points.features.count == 6 * CorrectionPoints.featureCount && points.coordinates.count == 12)
    }

    @Test func errorPointsAreTheDisagreeingPixelsWithinTheRadius() {
        // 5×5, all background (p = 0.02) but pixel (4, 4); a positive click at (2, 2), r = 1.
        var p = [Float](repeating: 0.02, count: 25)
        p[24] = 0.98
        p[2 * 5 + 3] = 0.9  // (3, 2) already lesion: agrees with the click
        let points = Self.points(p, width: 5, height: 5, clicks: [CorrectionClick(x: 2, y: 2, positive: true)], k: 8)
        let errors = points.pixels.suffix(8).compactMap { $0 }
        // The disc of radius 1: the centre first, then its 4-neighbours in raster order, minus (3, 2).
        #expect(errors == [12, 7, 11, 17])
        // Each carries the click's label +1 and the first-click context (distance 0 at the centre).
        let centre = Array(points.features[(8 * 8)..<(8 * 8 + 8)])
        #expect(centre == [0.5, 0.5, 0.02, 1, 0, 0, 1, 0.2])
    }

    @Test func aPixelBelongsToItsNearestClickAndTheLaterClickWinsTies() {
        // A negative click at (0, 0) and a positive one at (2, 0) on a 3×1 strip, all foreground.
        // (1, 0) is equally near both: it takes the later (negative) click's label and disagrees.
        let p: [Float] = [0.9, 0.9, 0.9]
        let clicks = [CorrectionClick(x: 2, y: 0, positive: true), CorrectionClick(x: 0, y: 0, positive: false)]
        let points = Self.points(p, width: 3, height: 1, clicks: clicks, k: 4, radius: 1)
        #expect(points.pixels.suffix(4).compactMap { $0 } == [0, 1])
        // Labels: both negative (−1), the nearer (distance 0) first.
        #expect(points.features[4 * 8 + 3] == -1 && points.features[5 * 8 + 3] == -1)
    }

    @Test func errorPointsAreTruncatedNearestFirstAndNotRepeatedAsUncertain() {
        // A 7×7 map at p = 0.45 everywhere: every pixel is uncertain and, near a positive click,
        // an error. With K = 5 the error set keeps the centre and its four neighbours.
        let p = [Float](repeating: 0.45, count: 49)
        let points = Self.points(p, width: 7, height: 7, clicks: [CorrectionClick(x: 3, y: 3, positive: true)], k: 5, radius: 3)
        let errors = points.pixels.suffix(5).compactMap { $0 }
        #expect(errors == [24, 17, 23, 25, 31])
        let uncertain = points.pixels.prefix(5).compactMap { $0 }
        #expect(uncertain.count == 5 && Set(uncertain).isDisjoint(with: errors))
    }
}
