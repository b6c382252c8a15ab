/// Exact Euclidean distance transform in linear time (Felzenszwalb & Huttenlocher 2012:
/// the lower envelope of parabolas, one pass over columns, one over rows).
///
/// Exactness matters here: the failure simulator erodes and dilates masks by thresholding
/// distances, and a chamfer approximation would make those shapes octagonal.
public enum DistanceTransform {
    /// Stands in for "no feature pixel on this line"; large enough that no real squared
    /// distance (at most width² + height²) comes near it, small enough that Float
    /// arithmetic on it never produces infinities or NaNs.
    static let absent: Float = 1e20

    /// Squared Euclidean distance from every pixel to the nearest pixel where `isFeature`
    /// holds, row-major `width`×`height`; `.infinity` everywhere when there is no feature.
    public static func squaredDistances(width: Int, height: Int,
                                        isFeature: (Int) -> Bool) -> [Float] {
        let count = width * height
        var grid = [Float](repeating: absent, count: count)
        for i in 0..<count where isFeature(i) { grid[i] = 0 }
        let longest = max(width, height)
        var line = [Float](repeating: 0, count: longest)
        var result = [Float](repeating: 0, count: longest)
        var scratch = EnvelopeScratch(capacity: longest)
        // Columns first: distances along y to the nearest feature in the same column.
        for x in 0..<width {
            for y in 0..<height { line[y] = grid[y * width + x] }
            scratch.transform(line, count: height, into: &result)
            for y in 0..<height { grid[y * width + x] = result[y] }
        }
        // Then rows combine the column distances into full 2-D distances.
        for y in 0..<height {
            let row = y * width
            for x in 0..<width { line[x] = grid[row + x] }
            scratch.transform(line, count: width, into: &result)
            for x in 0..<width { grid[row + x] = result[x] }
        }
        let limit = absent / 10
        for i in 0..<count where grid[i] >= limit { grid[i] = .infinity }
        return grid
    }

    /// Euclidean distance from every pixel to the nearest foreground (nonzero) pixel of
    /// `mask` (0 on the foreground itself; `.infinity` everywhere for an empty mask).
    public static func distanceToForeground(_ mask: Raster<UInt8>) -> Raster<Float> {
        let plane = mask.plane(0).pixels
        let squared = squaredDistances(width: mask.width, height: mask.height) { plane[$0] != 0 }
        return Raster(width: mask.width, height: mask.height, pixels: squared.map { $0.squareRoot() })
    }
}

/// Buffers for the 1-D lower-envelope pass, reused across lines to avoid allocation.
struct EnvelopeScratch {
    private var vertices: [Int]
    private var boundaries: [Float]

    init(capacity: Int) {
        vertices = [Int](repeating: 0, count: max(capacity, 1))
        boundaries = [Float](repeating: 0, count: max(capacity, 1) + 1)
    }

    /// 1-D squared distance transform of the sampled function `f[0..<count]`:
    /// `out[q] = min_p (q - p)² + f[p]`.
    mutating func transform(_ f: [Float], count n: Int, into out: inout [Float]) {
        guard n > 0 else { return }
        var k = 0
        vertices[0] = 0
        boundaries[0] = -.infinity
        boundaries[1] = .infinity
        for q in 1..<n {
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
