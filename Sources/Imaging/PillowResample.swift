import Pixels

/// Pillow's `Image.resize(..., BILINEAR)` on 8-bit images, bit for bit.
///
/// SAM's official predictor resizes through torchvision on a PIL image, so matching its
/// embeddings needs Pillow's exact arithmetic: a separable triangle filter whose support
/// widens when downscaling (antialiasing), weights renormalised at the borders and quantised
/// to 22-bit fixed point, a horizontal pass rounded and clipped to uint8, then a vertical
/// pass. A float bilinear resize differs by one grey level on ~19% of pixels.
///
/// Pass order follows Pillow 13 (the version the reference fixtures were made with): the
/// vertical pass runs first when the height shrinks by more than twice as many pixels as the
/// width does; otherwise horizontal first, as all earlier Pillow versions always did. The two
/// orders round differently, so only the matching one is bit-exact.
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
        let inverseScale = 1.0 / filterScale  // Pillow multiplies by the inverse; dividing can differ in the last bit
        for xx in 0..<output {
            let center = (Double(xx) + 0.5) * scale
            // Pillow rounds by truncating value + 0.5 (not floor) in C int conversion.
            let xmin = max(Int(center - support + 0.5), 0)
            let xmax = min(Int(center + support + 0.5), input) - xmin
            var total = 0.0
            for x in 0..<xmax {
                let t = abs((Double(x + xmin) - center + 0.5) * inverseScale)
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
        let shrinkY = image.height - height, shrinkX = image.width - width
        let verticalFirst = shrinkY > 0 && shrinkY > 2 * shrinkX
        var out: [UInt8] = []
        out.reserveCapacity(image.channels * width * height)
        for channel in 0..<image.channels {
            var plane = (Array(image.pixels[(channel * image.planeSize)..<((channel + 1) * image.planeSize)]),
                         image.width, image.height)
            if verticalFirst {
                plane = resampleVertical(plane, to: height)
                plane = resampleHorizontal(plane, to: width)
            } else {
                plane = resampleHorizontal(plane, to: width)
                plane = resampleVertical(plane, to: height)
            }
            out += plane.0
        }
        return Raster(width: width, height: height, channels: image.channels, pixels: out)
    }

    typealias Plane = (pixels: [UInt8], width: Int, height: Int)

    /// One horizontal pass, rounded and clipped to uint8; a no-op when the width is unchanged.
    static func resampleHorizontal(_ plane: Plane, to width: Int) -> Plane {
        guard width != plane.width else { return plane }
        let c = coefficients(input: plane.width, output: width)
        let half = Int32(1) << Int32(precisionBits - 1)
        var out = [UInt8](repeating: 0, count: plane.height * width)
        for y in 0..<plane.height {
            let src = y * plane.width
            for xx in 0..<width {
                var ss = half
                let start = c.start[xx], k = xx * c.kernelSize
                for x in 0..<c.count[xx] { ss &+= Int32(plane.pixels[src + start + x]) &* c.weights[k + x] }
                out[y * width + xx] = clip8(ss)
            }
        }
        return (out, width, plane.height)
    }

    /// One vertical pass, rounded and clipped to uint8; a no-op when the height is unchanged.
    static func resampleVertical(_ plane: Plane, to height: Int) -> Plane {
        guard height != plane.height else { return plane }
        let c = coefficients(input: plane.height, output: height)
        let half = Int32(1) << Int32(precisionBits - 1)
        let width = plane.width
        var out = [UInt8](repeating: 0, count: height * width)
        for yy in 0..<height {
            let start = c.start[yy], k = yy * c.kernelSize
            for xx in 0..<width {
                var ss = half
                for y in 0..<c.count[yy] { ss &+= Int32(plane.pixels[(start + y) * width + xx]) &* c.weights[k + y] }
                out[yy * width + xx] = clip8(ss)
            }
        }
        return (out, width, height)
    }
}

/// SAM's `ResizeLongestSide` size rule: the longer side becomes `longSide` pixels, keeping the
/// aspect ratio, with the official rounding `int(side * scale + 0.5)`. The one place this
/// rounding lives; `SAMPreprocessing` resamples to it and maps prompts by it.
public struct ResizeLongestSide: Sendable, Equatable {
    public var longSide: Int

    public init(longSide: Int = 1024) { self.longSide = longSide }

    /// The resized (height, width) for an image of `height`×`width`.
    public func targetSize(height: Int, width: Int) -> (height: Int, width: Int) {
        let scale = Double(longSide) / Double(max(height, width))
        return (Int(Double(height) * scale + 0.5), Int(Double(width) * scale + 0.5))
    }
}
