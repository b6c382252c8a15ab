#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import SegmentAnything
import Tensor

/// The coordinates an implicit decoder is asked about: points p = (x, y) in [0, 1]² over the
/// image (x to the right, y down), with where that image sits in the encoder's input, so the
/// encoder features can be sampled under each point.
public struct QueryPoints: Sendable {
    /// x₀, y₀, x₁, y₁, … in [0, 1].
    public var xy: [Float]
    /// The image's extent inside the encoder input, as fractions of its side (width, height):
    /// LiteMedSAM pads a landscape image at the bottom, so its height fraction is below 1.
    public var content: (width: Float, height: Float)

    /// Points `xy` (pairs) over an image that covers `content` of the encoder input.
    public init(xy: [Float], content: (width: Float, height: Float) = (1, 1)) {
        precondition(xy.count % 2 == 0, "query points come in (x, y) pairs, got \(xy.count) numbers")
        self.xy = xy
        self.content = content
    }

    /// The pixel centres of a height × width raster, row-major: a prediction at this size.
    public static func grid(height: Int, width: Int, content: (width: Float, height: Float) = (1, 1)) -> QueryPoints {
        var xy: [Float] = []
        xy.reserveCapacity(2 * height * width)
        for row in 0..<height {
            for column in 0..<width {
                xy.append((Float(column) + 0.5) / Float(width))
                xy.append((Float(row) + 0.5) / Float(height))
            }
        }
        return QueryPoints(xy: xy, content: content)
    }

    /// The pixel centres of a height × width raster of the image that `frame` holds.
    public static func grid(height: Int, width: Int, in frame: SAMFrame) -> QueryPoints {
        grid(height: height, width: width,
             content: (Float(frame.content.w) / Float(frame.side), Float(frame.content.h) / Float(frame.side)))
    }

    /// Number of points.
    public var count: Int { xy.count / 2 }

    /// The points at `indices`, in that order.
    public func subset(_ indices: [Int]) -> QueryPoints {
        QueryPoints(xy: indices.flatMap { [xy[2 * $0], xy[2 * $0 + 1]] }, content: content)
    }

    /// γ(p) with the point itself: (P, 2 + 4L) rows `x, y, sin(2⁰πx), cos(2⁰πx), sin(2⁰πy),
    /// cos(2⁰πy), …` up to 2^(L−1)π, NeRF's positional encoding with L = `frequencies`.
    public func fourierFeatures(frequencies: Int) -> Tensor {
        Self.fourierFeatures(of: xy, frequencies: frequencies)
    }

    /// γ of the points expressed in a box's own frame: u, v are −1 on the box's left / top
    /// edge and +1 on its right / bottom edge, so "inside the box" is |u|, |v| ≤ 1 whatever
    /// the box's size and place. `box` is x₁, y₁, x₂, y₂ as fractions of the encoder input's
    /// side (the frame the points' `content` refers to); a degenerate side counts as 1/500 of
    /// that side wide (half a pixel at LiteMedSAM's 256), so u, v stay finite.
    public func boxFeatures(box: [Float], frequencies: Int) -> Tensor {
        precondition(box.count == 4, "a box is x1, y1, x2, y2, got \(box.count) numbers")
        let minimumHalf: Float = 0.001
        let centre = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
        let half = (max(abs(box[2] - box[0]) / 2, minimumHalf), max(abs(box[3] - box[1]) / 2, minimumHalf))
        var relative = [Float](repeating: 0, count: xy.count)
        for i in 0..<count {
            relative[2 * i] = (xy[2 * i] * content.width - centre.0) / half.0
            relative[2 * i + 1] = (xy[2 * i + 1] * content.height - centre.1) / half.1
        }
        return Self.fourierFeatures(of: relative, frequencies: frequencies)
    }

    /// γ of (x, y) pairs, as `fourierFeatures(frequencies:)` describes.
    static func fourierFeatures(of xy: [Float], frequencies: Int) -> Tensor {
        let width = 2 + 4 * frequencies, count = xy.count / 2
        var values = [Float](repeating: 0, count: count * width)
        for i in 0..<count {
            let row = i * width
            values[row] = xy[2 * i]
            values[row + 1] = xy[2 * i + 1]
            for k in 0..<frequencies {
                let scale = Double(1 << k) * Double.pi
                for axis in 0..<2 {
                    let angle = scale * Double(xy[2 * i + axis])
                    values[row + 2 + 4 * k + 2 * axis] = Float(sineOf(angle))
                    values[row + 3 + 4 * k + 2 * axis] = Float(cosineOf(angle))
                }
            }
        }
        return Tensor(values, shape: [count, width])
    }

    /// Bilinear samples of a feature grid at the points: `map` is (side², C), a side × side
    /// grid row-major (an encoder embedding's tokens), covering the whole encoder input;
    /// returns (P, C). Pixel centres as `align_corners=False` places them, clamped at the
    /// border. The weights are fixed, the map's gradient is the weighted scatter back.
    public func sampled(from map: Tensor, side: Int) -> Tensor {
        precondition(map.rank == 2 && map.shape[0] == side * side, "sampling needs a (\(side)², C) grid, got \(map.shape)")
        var corners = [[Int]](repeating: [], count: 4)
        var weights = [[Float]](repeating: [], count: 4)
        let limit = Float(side - 1)
        for i in 0..<count {
            let gx = min(max(xy[2 * i] * content.width * Float(side) - 0.5, 0), limit)
            let gy = min(max(xy[2 * i + 1] * content.height * Float(side) - 0.5, 0), limit)
            let x0 = Int(gx), y0 = Int(gy)
            let x1 = min(x0 + 1, side - 1), y1 = min(y0 + 1, side - 1)
            let fx = gx - Float(x0), fy = gy - Float(y0)
            let cells = [(y0, x0, (1 - fy) * (1 - fx)), (y0, x1, (1 - fy) * fx), (y1, x0, fy * (1 - fx)), (y1, x1, fy * fx)]
            for (c, cell) in cells.enumerated() {
                corners[c].append(cell.0 * side + cell.1)
                weights[c].append(cell.2)
            }
        }
        let parts = (0..<4).map { map.indexSelect(axis: 0, corners[$0]) * Tensor(weights[$0], shape: [count, 1]) }
        return parts.dropFirst().reduce(parts[0], +)
    }
}

/// The libm functions, named apart from `Tensor`'s own `sin()`/`cos()` methods.
private func sineOf(_ x: Double) -> Double { sin(x) }
private func cosineOf(_ x: Double) -> Double { cos(x) }
