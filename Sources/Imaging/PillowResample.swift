/// Pillow's `Image.resize(..., BILINEAR)` on 8-bit images, bit for bit.
///
/// SAM's official predictor resizes through torchvision on a PIL image, so matching its
/// embeddings needs Pillow's exact arithmetic: a separable triangle filter whose support
/// widens when downscaling (antialiasing), weights renormalised at the borders and quantised
/// to 22-bit fixed point, a horizontal pass rounded and clipped to uint8, then a vertical
/// pass. A float bilinear resize differs by one grey level on ~19% of pixels.
public enum PillowResample {
    /// Fixed-point precision of the weights (Pillow's `PRECISION_BITS`).
    static let precisionBits = 32 - 8 - 2

    /// Per-output-pixel source window and fixed-point weights along one axis.
    struct Coefficients {
        var start: [Int]
        var count: [Int]
        var weights: [Int32]   // `kernelSize` entries per output pixel
        var kernelSize: Int
    }

    static func coefficients(input: Int, output: Int) -> Coefficients {
        let scale = Double(input) / Double(output)
        let filterScale = max(scale, 1.0)
        let support = 1.0 * filterScale  // the triangle filter's support is 1
        let kernelSize = Int(support.rounded(.up)) * 2 + 1
        var c = Coefficients(start: [], count: [], weights: [Int32](repeating: 0, count: output * kernelSize),
                             kernelSize: kernelSize)
        var raw = [Double](repeating: 0, count: kernelSize)
        for xx in 0..<output {
            let center = (Double(xx) + 0.5) * scale
            // Pillow rounds by truncating value + 0.5 (not floor) in C int conversion.
            let xmin = max(Int(center - support + 0.5), 0)
            let xmax = min(Int(center + support + 0.5), input) - xmin
            var total = 0.0
            for x in 0..<xmax {
                let t = abs((Double(x + xmin) - center + 0.5) / filterScale)
                raw[x] = t < 1 ? 1 - t : 0
                total += raw[x]
            }
            for x in 0..<xmax {
                let w = total != 0 ? raw[x] / total : raw[x]
                let fixed = w * Double(1 << precisionBits)
                c.weights[xx * kernelSize + x] = Int32(fixed < 0 ? Int(-0.5 + fixed) : Int(0.5 + fixed))
            }
            c.start.append(xmin)
            c.count.append(max(xmax, 0))
        }
        return c
    }

    @inline(__always)
    static func clip8(_ accumulator: Int32) -> UInt8 {
        let v = accumulator >> Int32(precisionBits)
        return UInt8(clamping: v)
    }

    /// Resizes every channel of `image` to `width`×`height` as Pillow's BILINEAR does.
    public static func bilinear(_ image: Raster<UInt8>, width: Int, height: Int) -> Raster<UInt8> {
        precondition(width > 0 && height > 0, "resize target must be positive")
        let horizontal = image.width == width ? nil : coefficients(input: image.width, output: width)
        let vertical = image.height == height ? nil : coefficients(input: image.height, output: height)
        let half = Int32(1) << Int32(precisionBits - 1)
        var out = [UInt8](repeating: 0, count: image.channels * width * height)
        for channel in 0..<image.channels {
            let plane = Array(image.pixels[(channel * image.planeSize)..<((channel + 1) * image.planeSize)])
            // Horizontal pass first (rounded to uint8), then vertical, as Pillow does.
            var rows = plane
            if let h = horizontal {
                rows = [UInt8](repeating: 0, count: image.height * width)
                for y in 0..<image.height {
                    let src = y * image.width
                    for xx in 0..<width {
                        var ss = half
                        let start = h.start[xx], k = xx * h.kernelSize
                        for x in 0..<h.count[xx] { ss &+= Int32(plane[src + start + x]) &* h.weights[k + x] }
                        rows[y * width + xx] = clip8(ss)
                    }
                }
            }
            let base = channel * width * height
            if let v = vertical {
                for yy in 0..<height {
                    let start = v.start[yy], k = yy * v.kernelSize
                    for xx in 0..<width {
                        var ss = half
                        for y in 0..<v.count[yy] { ss &+= Int32(rows[(start + y) * width + xx]) &* v.weights[k + y] }
                        out[base + yy * width + xx] = clip8(ss)
                    }
                }
            } else {
                out.replaceSubrange(base..<(base + width * height), with: rows)
            }
        }
        return Raster(width: width, height: height, channels: image.channels, pixels: out)
    }
}

/// SAM's `ResizeLongestSide`: scales an image so its longer side is `longSide` pixels,
/// keeping the aspect ratio, with the official size rounding `int(side * scale + 0.5)`.
public struct ResizeLongestSide: Sendable, Equatable {
    public var longSide: Int

    public init(longSide: Int = 1024) { self.longSide = longSide }

    /// The resized (height, width) for an image of `height`×`width`.
    public func targetSize(height: Int, width: Int) -> (height: Int, width: Int) {
        let scale = Double(longSide) / Double(max(height, width))
        return (Int(Double(height) * scale + 0.5), Int(Double(width) * scale + 0.5))
    }

    /// The image resized exactly as the official predictor does (Pillow bilinear on uint8).
    public func apply(_ image: Raster<UInt8>) -> Raster<UInt8> {
        let size = targetSize(height: image.height, width: image.width)
        return PillowResample.bilinear(image, width: size.width, height: size.height)
    }

    /// Maps point coordinates (x, y) in original pixels into the resized frame, with separate
    /// x and y scales from the rounded size, as the official `apply_coords` does.
    public func applyCoordinates(_ points: [(x: Double, y: Double)], originalHeight: Int,
                                 originalWidth: Int) -> [(x: Double, y: Double)] {
        let size = targetSize(height: originalHeight, width: originalWidth)
        let sx = Double(size.width) / Double(originalWidth)
        let sy = Double(size.height) / Double(originalHeight)
        return points.map { (x: $0.x * sx, y: $0.y * sy) }
    }
}
