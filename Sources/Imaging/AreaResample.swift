import Pixels

/// OpenCV's `cv2.resize(..., interpolation=cv2.INTER_AREA)` on 8-bit images, bit for bit
/// (checked against opencv-python-headless 5.0, the version LiteMedSAM's reference used).
///
/// OpenCV takes one of three paths, and each rounds differently, so all three are reproduced:
/// - shrinking by whole factors on both axes: block means, `(sum + 2) >> 2` for 2×2 blocks
///   and `sum · (1/area)` rounded half to even otherwise;
/// - shrinking otherwise (no axis growing): each output pixel is the float32 mean of the
///   source cells it covers, partial cells weighted by their overlap, rows accumulated in
///   OpenCV's order and rounded half to even;
/// - growing on either axis (OpenCV has no true area filter there): a bilinear-like filter
///   whose weights come from the overlap of the output cell with the source cell boundary,
///   in 11-bit fixed point, with the vertical pass rounded as OpenCV's SIMD code does it
///   (an approximate product in 16-bit lanes), which OpenCV 5 applies to every pixel.
///
/// Channels are resized independently, as OpenCV does for interleaved pixels.
public enum AreaResample {
    /// `image` resized to `width`×`height` as `cv2.resize` with `INTER_AREA` does it.
    public static func resized(_ image: Raster<UInt8>, width: Int, height: Int) -> Raster<UInt8> {
        precondition(width > 0 && height > 0 && image.planeSize > 0, "area resize needs non-empty source and target sizes")
        guard width != image.width || height != image.height else { return image }
        // OpenCV's scales: the inverse of the size ratio, with its rounding.
        let inverseX = Double(width) / Double(image.width), inverseY = Double(height) / Double(image.height)
        let scaleX = 1 / inverseX, scaleY = 1 / inverseY
        let plane: (ArraySlice<UInt8>) -> [UInt8]
        if scaleX >= 1 && scaleY >= 1 {
            let blockX = Int(scaleX.rounded()), blockY = Int(scaleY.rounded())
            if abs(scaleX - Double(blockX)) < .ulpOfOne && abs(scaleY - Double(blockY)) < .ulpOfOne {
                // OpenCV's 2×2 shortcut serves 1, 3 and 4 channels only.
                let quarterShortcut = blockX == 2 && blockY == 2 && image.channels != 2
                plane = { blockMeans($0, width: image.width, blockX: blockX, blockY: blockY, outWidth: width,
                                     outHeight: height, quarterShortcut: quarterShortcut) }
            } else {
                let columns = coverage(source: image.width, target: width, scale: scaleX)
                let rows = coverage(source: image.height, target: height, scale: scaleY)
                plane = { coverageMeans($0, width: image.width, columns: columns, rows: rows, outWidth: width, outHeight: height) }
            }
        } else {
            let columns = LinearTaps(source: image.width, target: width, inverseScale: inverseX, clampsAtEnd: true)
            let rows = LinearTaps(source: image.height, target: height, inverseScale: inverseY, clampsAtEnd: false)
            plane = { interpolated($0, width: image.width, height: image.height, columns: columns, rows: rows) }
        }
        var out: [UInt8] = []
        out.reserveCapacity(image.channels * width * height)
        for channel in 0..<image.channels {
            out += plane(image.pixels[(channel * image.planeSize)..<((channel + 1) * image.planeSize)])
        }
        return Raster(width: width, height: height, channels: image.channels, pixels: out)
    }

    /// OpenCV's `saturate_cast<uchar>(float)`: round half to even, clamp to 0…255.
    @inline(__always)
    static func saturated(_ value: Float) -> UInt8 {
        UInt8(clamping: Int(value.rounded(.toNearestOrEven)))
    }

    // MARK: Whole-factor shrinking

    static func blockMeans(_ source: ArraySlice<UInt8>, width: Int, blockX: Int, blockY: Int, outWidth: Int, outHeight: Int,
                           quarterShortcut: Bool) -> [UInt8] {
        let base = source.startIndex, area = blockX * blockY
        let inverseArea = 1 / Float(area)
        var out = [UInt8](repeating: 0, count: outWidth * outHeight)
        for y in 0..<outHeight {
            for x in 0..<outWidth {
                var sum = 0
                for sy in (y * blockY)..<((y + 1) * blockY) {
                    for sx in (x * blockX)..<((x + 1) * blockX) { sum += Int(source[base + sy * width + sx]) }
                }
                out[y * outWidth + x] = quarterShortcut ? UInt8((sum + 2) >> 2) : saturated(Float(sum) * inverseArea)
            }
        }
        return out
    }

    // MARK: Fractional shrinking

    /// One source cell's share of one output cell (OpenCV's `DecimateAlpha`).
    struct Share {
        var target: Int
        var source: Int
        var weight: Float
    }

    /// `computeResizeAreaTab`: for each output cell along an axis, the source cells it covers
    /// and their weights (overlap ÷ cell width), a partial cell on either side counted only
    /// beyond 1e-3.
    static func coverage(source: Int, target: Int, scale: Double) -> [Share] {
        var shares: [Share] = []
        for d in 0..<target {
            let start = Double(d) * scale, end = start + scale
            let cellWidth = min(scale, Double(source) - start)
            let last = min(Int(end.rounded(.down)), source - 1)
            let first = min(Int(start.rounded(.up)), last)
            if Double(first) - start > 1e-3 {
                shares.append(Share(target: d, source: first - 1, weight: Float((Double(first) - start) / cellWidth)))
            }
            for s in first..<last { shares.append(Share(target: d, source: s, weight: Float(1 / cellWidth))) }
            if end - Double(last) > 1e-3 {
                shares.append(Share(target: d, source: last, weight: Float(min(min(end - Double(last), 1), cellWidth) / cellWidth)))
            }
        }
        return shares
    }

    /// `ResizeArea_Invoker`: each source row's weighted columns, then the rows weighted into
    /// their output row, in float32 and in OpenCV's order of operations.
    static func coverageMeans(_ source: ArraySlice<UInt8>, width: Int, columns: [Share], rows: [Share],
                              outWidth: Int, outHeight: Int) -> [UInt8] {
        let base = source.startIndex
        var out = [UInt8](repeating: 0, count: outWidth * outHeight)
        var row = [Float](repeating: 0, count: outWidth), sum = [Float](repeating: 0, count: outWidth)
        var current = rows.first?.target ?? 0
        for share in rows {
            for i in row.indices { row[i] = 0 }
            let offset = base + share.source * width
            for column in columns { row[column.target] = row[column.target] + Float(source[offset + column.source]) * column.weight }
            if share.target != current {
                for x in 0..<outWidth {
                    out[current * outWidth + x] = saturated(sum[x])
                    sum[x] = share.weight * row[x]
                }
                current = share.target
            } else {
                for x in 0..<outWidth { sum[x] = sum[x] + share.weight * row[x] }
            }
        }
        for x in 0..<outWidth { out[current * outWidth + x] = saturated(sum[x]) }
        return out
    }

    // MARK: Growing

    /// Fixed-point scale of the interpolation weights (`INTER_RESIZE_COEF_SCALE`).
    static let weightOne: Int32 = 2048

    /// Along one axis, each output position's first source index and its two 11-bit weights,
    /// from the output cell's overlap with the next source cell (`INTER_AREA` in OpenCV's
    /// bilinear branch).
    struct LinearTaps {
        var first: [Int] = []
        var weights: [(Int32, Int32)] = []
        /// Outputs from here on read one source pixel at full weight (columns only).
        var singleFrom: Int

        init(source: Int, target: Int, inverseScale: Double, clampsAtEnd: Bool) {
            let scale = 1 / inverseScale
            singleFrom = target
            for d in 0..<target {
                var s = Int((Double(d) * scale).rounded(.down))
                var fraction = Float(Double(d + 1) - Double(s + 1) * inverseScale)
                fraction = fraction <= 0 ? 0 : fraction - fraction.rounded(.down)
                // Only the horizontal pass clamps at the last column; rows clamp when read.
                if clampsAtEnd && s + 1 >= source {
                    singleFrom = min(singleFrom, d)
                    if s >= source - 1 { fraction = 0; s = source - 1 }
                }
                first.append(s)
                weights.append((Self.fixed(1 - fraction), Self.fixed(fraction)))
            }
        }

        /// `saturate_cast<short>(w · 2048)`.
        static func fixed(_ weight: Float) -> Int32 {
            Int32((weight * Float(AreaResample.weightOne)).rounded(.toNearestOrEven))
        }
    }

    /// OpenCV's fixed-point two-tap resize: an exact horizontal pass to `value·2048`, then the
    /// vertical blend as its SIMD kernel computes it: each row's value shifted right by 4,
    /// multiplied by its weight keeping the high 16 bits, summed and rounded by `(v + 2) >> 2`.
    static func interpolated(_ source: ArraySlice<UInt8>, width: Int, height: Int, columns: LinearTaps,
                             rows: LinearTaps) -> [UInt8] {
        let base = source.startIndex, outWidth = columns.first.count, outHeight = rows.first.count
        func horizontal(_ y: Int) -> [Int32] {
            let offset = base + y * width
            return (0..<outWidth).map { x in
                let s = offset + columns.first[x]
                guard x < columns.singleFrom else { return Int32(source[s]) * weightOne }
                return Int32(source[s]) * columns.weights[x].0 + Int32(source[s + 1]) * columns.weights[x].1
            }
        }
        @inline(__always) func highProduct(_ value: Int32, _ weight: Int32) -> Int32 {
            (Int32(Int16(clamping: value >> 4)) * weight) >> 16
        }
        var out = [UInt8](repeating: 0, count: outWidth * outHeight)
        for y in 0..<outHeight {
            let top = horizontal(min(rows.first[y], height - 1))
            let bottom = horizontal(min(rows.first[y] + 1, height - 1))
            let (w0, w1) = rows.weights[y]
            for x in 0..<outWidth {
                out[y * outWidth + x] = UInt8(clamping: (highProduct(top[x], w0) + highProduct(bottom[x], w1) + 2) >> 2)
            }
        }
        return out
    }
}
