/// The forward pass of a depthwise convolution (one input and one output channel per group,
/// as TinyViT's 3×3 convolutions), computed directly on the planes.
///
/// The im2col route would copy every plane once per kernel tap and then run one GEMM of a
/// single output row per channel, which OpenBLAS does far below its GEMM speed; here each
/// output row is accumulated tap by tap from the input rows, in cache.
enum DepthwiseConvolution {
    /// Whether `geometry` is a depthwise convolution this kernel computes.
    static func applies(to geometry: Conv2DGeometry) -> Bool {
        geometry.groups > 1 && geometry.groups == geometry.inChannels && geometry.groups == geometry.outChannels
    }

    /// output (batch, C, outH, outW) is overwritten with `conv(input, weight) + bias`; the
    /// weight is (C, 1, kH, kW).
    static func forward(input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                        output: UnsafeMutablePointer<Float>, geometry g: Conv2DGeometry) {
        let inPlane = g.inHeight * g.inWidth, outHeight = g.outHeight, outWidth = g.outWidth
        let outPlane = outHeight * outWidth, taps = g.kernelHeight * g.kernelWidth, dense3x3 = isDenseSame3x3(g)
        Parallelism.forEach(g.batch * g.outChannels, costPerItem: outPlane * taps) { planes in
            for plane in planes {
                let channel = plane % g.outChannels
                let source = input + plane * inPlane, kernel = weight + channel * taps
                let start = bias?[channel] ?? 0
                for oh in 0..<outHeight {
                    let row = output + plane * outPlane + oh * outWidth
                    let top = oh - g.padH
                    if dense3x3, top >= 0, top + 2 < g.inHeight {
                        let rows = source + top * g.inWidth
                        row3x3(rows, rows + g.inWidth, rows + 2 * g.inWidth, kernel: kernel, start: start, into: row, width: outWidth)
                        continue
                    }
                    row.update(repeating: start, count: outWidth)
                    for ki in 0..<g.kernelHeight {
                        let ih = oh * g.strideH - g.padH + ki * g.dilationH
                        guard ih >= 0 && ih < g.inHeight else { continue }
                        let sourceRow = source + ih * g.inWidth
                        for kj in 0..<g.kernelWidth {
                            let w = kernel[ki * g.kernelWidth + kj]
                            let offset = kj * g.dilationW - g.padW
                            // Output columns whose input column ow·stride + offset is inside the row.
                            let first = offset >= 0 ? 0 : (-offset + g.strideW - 1) / g.strideW
                            let end = min(outWidth, g.inWidth - offset <= 0 ? 0 : (g.inWidth - offset + g.strideW - 1) / g.strideW)
                            guard first < end else { continue }
                            if g.strideW == 1 {
                                let shifted = sourceRow + offset
                                for ow in first..<end { row[ow] += w * shifted[ow] }
                            } else {
                                for ow in first..<end { row[ow] += w * sourceRow[ow * g.strideW + offset] }
                            }
                        }
                    }
                }
            }
        }
    }
}

extension DepthwiseConvolution {
    /// Whether `g` is a 3×3 stride-1 undilated convolution padded by one column on each side,
    /// as TinyViT's MBConv: its output rows with all three input rows present take `row3x3`.
    @inline(__always)
    static func isDenseSame3x3(_ g: Conv2DGeometry) -> Bool {
        g.kernelHeight == 3 && g.kernelWidth == 3 && g.strideH == 1 && g.strideW == 1 && g.dilationH == 1
            && g.dilationW == 1 && g.padW == 1 && g.inWidth == g.outWidth
    }

    /// One output row of a 3×3 "same" convolution from input rows `a`, `b`, `c`, in one pass:
    /// each output is read and written once instead of once per tap. The sum runs in the tap-by-
    /// tap order of the general loop (start, then row by row, left to right; taps off the row's
    /// ends skipped), so both give the same bits.
    @inline(__always)
    static func row3x3(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafePointer<Float>,
                       kernel w: UnsafePointer<Float>, start: Float, into row: UnsafeMutablePointer<Float>, width: Int) {
        let (w0, w1, w2, w3, w4, w5, w6, w7, w8) = (w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8])
        if width > 2 {
            for ow in 1..<(width - 1) {
                var acc = start
                acc += w0 * a[ow - 1]; acc += w1 * a[ow]; acc += w2 * a[ow + 1]
                acc += w3 * b[ow - 1]; acc += w4 * b[ow]; acc += w5 * b[ow + 1]
                acc += w6 * c[ow - 1]; acc += w7 * c[ow]; acc += w8 * c[ow + 1]
                row[ow] = acc
            }
        }
        func edge(_ ow: Int) {
            var acc = start
            for kj in 0..<3 where ow + kj - 1 >= 0 && ow + kj - 1 < width { acc += w[kj] * a[ow + kj - 1] }
            for kj in 0..<3 where ow + kj - 1 >= 0 && ow + kj - 1 < width { acc += w[3 + kj] * b[ow + kj - 1] }
            for kj in 0..<3 where ow + kj - 1 >= 0 && ow + kj - 1 < width { acc += w[6 + kj] * c[ow + kj - 1] }
            row[ow] = acc
        }
        edge(0)
        if width > 1 { edge(width - 1) }
    }

    /// Sizes of a channels-last depthwise convolution: (batch, height, width, channels) in and
    /// out, a `kernel`×`kernel` filter with stride 1 and padding `kernel / 2`.
    struct ChannelsLastShape {
        var batch, height, width, channels, kernel: Int
    }

    /// `forward` on (batch, H, W, C) tokens, as TinyViT's blocks hold them: each output token's
    /// channels are accumulated tap by tap along contiguous memory, so the block's convolution
    /// needs no transposes to channel-major and back (two full copies of its input). The sums
    /// run in `forward`'s order (bias, then taps row by row), so both give the same bits.
    /// `weight` is (C, 1, k, k); `output` is overwritten.
    static func forwardChannelsLast(input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                                    output: UnsafeMutablePointer<Float>, shape s: ChannelsLastShape) {
        let tapWeights = tapMajor(weight, channels: s.channels, kernel: s.kernel)
        defer { tapWeights.deallocate() }
        let rowLength = s.width * s.channels
        Parallelism.forEach(s.batch * s.height, costPerItem: rowLength * s.kernel * s.kernel) { rows in
            for item in rows {
                channelsLastRow(item, input: input, tapWeights: tapWeights, bias: bias, into: output + item * rowLength, shape: s)
            }
        }
    }

    /// (C, 1, k, k) weights rearranged tap-major, (k², C), so a tap's weights for all channels
    /// are one contiguous vector; the caller deallocates them.
    static func tapMajor(_ weight: UnsafePointer<Float>, channels: Int, kernel: Int) -> UnsafeMutablePointer<Float> {
        let taps = kernel * kernel
        let tapWeights = UnsafeMutablePointer<Float>.allocate(capacity: taps * channels)
        for channel in 0..<channels {
            for tap in 0..<taps { tapWeights[tap * channels + channel] = weight[channel * taps + tap] }
        }
        return tapWeights
    }

    /// Output row `item` (image · height + row) of `forwardChannelsLast`, written to `out`
    /// (width × C); `tapWeights` from `tapMajor`.
    @inline(__always)
    static func channelsLastRow(_ item: Int, input: UnsafePointer<Float>, tapWeights: UnsafePointer<Float>,
                                bias: UnsafePointer<Float>?, into out: UnsafeMutablePointer<Float>, shape s: ChannelsLastShape) {
        let pad = s.kernel / 2, c = s.channels, rowLength = s.width * c
        let image = item / s.height, oh = item % s.height
        for ow in 0..<s.width {
            let token = out + ow * c
            if let bias { token.update(from: bias, count: c) } else { token.update(repeating: 0, count: c) }
            for ki in 0..<s.kernel {
                let ih = oh - pad + ki
                guard ih >= 0 && ih < s.height else { continue }
                let sourceRow = input + (image * s.height + ih) * rowLength
                for kj in 0..<s.kernel {
                    let iw = ow - pad + kj
                    guard iw >= 0 && iw < s.width else { continue }
                    let source = sourceRow + iw * c, w = tapWeights + (ki * s.kernel + kj) * c
                    for j in 0..<c { token[j] += w[j] * source[j] }
                }
            }
        }
    }
}
