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
        let outPlane = outHeight * outWidth, taps = g.kernelHeight * g.kernelWidth
        Parallelism.forEach(g.batch * g.outChannels, costPerItem: outPlane * taps) { planes in
            for plane in planes {
                let channel = plane % g.outChannels
                let source = input + plane * inPlane, kernel = weight + channel * taps
                let start = bias?[channel] ?? 0
                for oh in 0..<outHeight {
                    let row = output + plane * outPlane + oh * outWidth
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
        let taps = s.kernel * s.kernel, pad = s.kernel / 2, c = s.channels
        // Tap-major weights, so a tap's weights for all channels are one contiguous vector.
        let tapWeights = UnsafeMutablePointer<Float>.allocate(capacity: taps * c)
        defer { tapWeights.deallocate() }
        for channel in 0..<c {
            for tap in 0..<taps { tapWeights[tap * c + channel] = weight[channel * taps + tap] }
        }
        let rowLength = s.width * c
        Parallelism.forEach(s.batch * s.height, costPerItem: rowLength * taps) { rows in
            for item in rows {
                let image = item / s.height, oh = item % s.height
                let out = output + item * rowLength
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
    }
}
