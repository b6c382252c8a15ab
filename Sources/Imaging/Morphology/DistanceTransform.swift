import Pixels

/// Exact Euclidean distance transform in linear time (Felzenszwalb & Huttenlocher 2012).
///
/// Exactness matters here: the failure simulator erodes and dilates masks by thresholding
/// distances, and a chamfer approximation would make those shapes octagonal. The column pass
/// is two sweeps (for a binary feature set the 1-D transform is just the distance to the
/// nearest feature in the column, and sweeping whole rows keeps memory access sequential);
/// the row pass is the lower envelope of parabolas.
public enum DistanceTransform {
    /// Stands in for "no feature pixel on this line"; large enough that no real squared
    /// distance (at most width² + height²) comes near it, small enough that Float
    /// arithmetic on it never produces infinities or NaNs.
    static let absent: Float = 1e20

    /// Squared Euclidean distance from every pixel to the nearest pixel where `isFeature`
    /// holds, row-major `width`×`height`; `.infinity` everywhere when there is no feature.
    public static func squaredDistances(width: Int, height: Int,
                                        isFeature: (Int) -> Bool) -> [Float] {
        let features = (0..<width * height).map { isFeature($0) }
        return transform(width: width, height: height) { features[$0] }
    }

    /// Euclidean distance from every pixel to the nearest foreground (nonzero) pixel of
    /// `mask` (0 on the foreground itself; `.infinity` everywhere for an empty mask).
    public static func distanceToForeground(_ mask: Raster<UInt8>) -> Raster<Float> {
        let squared = squaredDistances(mask.plane(0).pixels, width: mask.width, height: mask.height,
                                       featureIsNonzero: true)
        return Raster(width: mask.width, height: mask.height, pixels: squared.map { $0.squareRoot() })
    }

    /// Squared distances to the nonzero pixels of `mask` (`featureIsNonzero`) or to its zero
    /// pixels (otherwise): the form the signed distance and morphology use.
    static func squaredDistances(_ mask: [UInt8], width: Int, height: Int, featureIsNonzero: Bool) -> [Float] {
        featureIsNonzero ? transform(width: width, height: height) { mask[$0] != 0 }
            : transform(width: width, height: height) { mask[$0] == 0 }
    }

    @inline(__always)
    private static func transform(width: Int, height: Int, feature: (Int) -> Bool) -> [Float] {
        let count = width * height
        guard count > 0 else { return [] }
        // Column pass: rows (in pixels) to the nearest feature in the same column.
        let none = Int32.max / 2
        var rows = [Int32](repeating: none, count: count)
        rows.withUnsafeMutableBufferPointer { g in
            for x in 0..<width where feature(x) { g[x] = 0 }
            for y in 1..<max(height, 1) {
                let row = y * width, above = row - width
                for x in 0..<width { g[row + x] = feature(row + x) ? 0 : min(g[above + x] + 1, none) }
            }
            for y in stride(from: height - 2, through: 0, by: -1) {
                let row = y * width, below = row + width
                for x in 0..<width { g[row + x] = min(g[row + x], g[below + x] + 1) }
            }
        }
        // Row pass: lower envelope of the parabolas (x - p)² + g(p)².
        var result = [Float](repeating: 0, count: count)
        var f = [Float](repeating: 0, count: width)
        var vertices = [Int](repeating: 0, count: width)
        var boundaries = [Float](repeating: 0, count: width + 1)
        rows.withUnsafeBufferPointer { g in
            result.withUnsafeMutableBufferPointer { out in
                f.withUnsafeMutableBufferPointer { f in
                    vertices.withUnsafeMutableBufferPointer { v in
                        boundaries.withUnsafeMutableBufferPointer { z in
                            for y in 0..<height {
                                let row = y * width
                                for x in 0..<width {
                                    let d = g[row + x]
                                    f[x] = d >= none ? absent : Float(d) * Float(d)
                                }
                                lowerEnvelope(f, count: width, vertices: v, boundaries: z,
                                              into: UnsafeMutableBufferPointer(rebasing: out[row..<row + width]))
                            }
                        }
                    }
                }
            }
        }
        let limit = absent / 10
        for i in 0..<count where result[i] >= limit { result[i] = .infinity }
        return result
    }

    /// 1-D squared distance transform of the sampled function `f[0..<n]`:
    /// `out[q] = min_p (q - p)² + f[p]`.
    @inline(__always)
    private static func lowerEnvelope(_ f: UnsafeMutableBufferPointer<Float>, count n: Int,
                                      vertices: UnsafeMutableBufferPointer<Int>,
                                      boundaries: UnsafeMutableBufferPointer<Float>,
                                      into out: UnsafeMutableBufferPointer<Float>) {
        var k = 0
        vertices[0] = 0
        boundaries[0] = -.infinity
        boundaries[1] = .infinity
        for q in 1..<max(n, 1) {
            let fq = f[q] + Float(q * q)
            var s: Float
            repeat {
                let v = vertices[k]
                s = (fq - (f[v] + Float(v * v))) / Float(2 * (q - v))
                if s <= boundaries[k] { k -= 1 } else { break }
            } while k >= 0
            k += 1
            vertices[k] = q
            boundaries[k] = s
            boundaries[k + 1] = .infinity
        }
        k = 0
        for q in 0..<n {
            while boundaries[k + 1] < Float(q) { k += 1 }
            let v = vertices[k]
            let d = Float(q - v)
            out[q] = d * d + f[v]
        }
    }
}
