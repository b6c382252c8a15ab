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
