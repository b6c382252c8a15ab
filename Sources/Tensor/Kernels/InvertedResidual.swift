/// An inverted residual block with exact GELU, computed a band of output rows at a time:
/// `y = GELU(x + project(GELU(depthwise(GELU(expand(x))))))`, where `expand` and `project` are
/// 1×1 convolutions and `depthwise` is a k×k depthwise convolution with "same" padding, each
/// with a bias (batch norms folded in by the caller). Without the residual (TinyViT's patch
/// merging) the block is `project(GELU(depthwise(GELU(expand(x)))))` and the depthwise
/// convolution may stride, giving a smaller grid and another channel count.
///
/// Unfused, each step reads and writes a full tensor: at TinyViT's 256² stem with 256 expanded
/// channels that is 64 MiB per step, so the block ran at memory speed. Here each band's
/// expanded rows stay in cache between the steps. A band recomputes the expanded rows just above
/// and below it (the depthwise kernel's halo), which costs `(k−s)/(rows·s)` of the expand product.
enum InvertedResidual {
    /// Output rows per band at stride 1 (halved per doubling of the stride, so a band reads
    /// about as many input rows): with 256 expanded channels of width 256, the band's expanded
    /// and depthwise buffers take ~2.5 MiB, within a core's share of cache, and the halo adds
    /// 25 % to the expand product.
    static let bandRows = 8

    /// Sizes of one block: input (batch, channels, height, width), `hidden` expanded channels,
    /// a `kernel`×`kernel` depthwise convolution with `stride`, `outChannels` out, and whether
    /// the input is added back (then stride 1 and `outChannels == channels`).
    struct Shape {
        var batch, channels, hidden, height, width, kernel, stride, outChannels: Int
        var residual: Bool

        /// The output grid: "same" padding, then the stride.
        var outHeight: Int { (height - 1) / stride + 1 }
        var outWidth: Int { (width - 1) / stride + 1 }
    }

    /// Writes the block's output for `input` into `output` ((batch, outChannels, outHeight,
    /// outWidth)). Weights: `expand` (hidden, channels), `depthwise` (hidden, kernel²),
    /// `project` (outChannels, hidden), each with its bias.
    static func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                        expand: UnsafePointer<Float>, expandBias: UnsafePointer<Float>,
                        depthwise: UnsafePointer<Float>, depthwiseBias: UnsafePointer<Float>,
                        project: UnsafePointer<Float>, projectBias: UnsafePointer<Float>, shape s: Shape) {
        precondition(s.kernel % 2 == 1, "inverted residual: the depthwise kernel must have an odd side, not \(s.kernel)")
        precondition(!s.residual || (s.stride == 1 && s.outChannels == s.channels),
                     "inverted residual: a residual needs stride 1 and as many channels out as in")
        let plane = s.height * s.width, halo = s.kernel / 2
        let outHeight = s.outHeight, outWidth = s.outWidth, outPlane = outHeight * outWidth
        let rowsPerBand = max(1, bandRows / s.stride)
        let bands = (outHeight + rowsPerBand - 1) / rowsPerBand
        // Input rows one band of output rows reads, the halo included.
        let bandHeight = (rowsPerBand - 1) * s.stride + s.kernel
        let work = s.hidden * (bandHeight * s.width * s.channels + rowsPerBand * outWidth * (s.outChannels + s.kernel * s.kernel))
        let expandedSize = s.hidden * bandHeight * s.width, filteredSize = s.hidden * rowsPerBand * outWidth
        let chunks = Parallelism.chunkCount(s.batch * bands, costPerItem: work)
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: chunks * (expandedSize + filteredSize))
        defer { scratch.deallocate() }
        Parallelism.forEachChunk(s.batch * bands, costPerItem: work) { chunk, items in
            let expanded = scratch + chunk * (expandedSize + filteredSize), filtered = expanded + expandedSize
            for item in items {
                let batch = item / bands, firstRow = item % bands * rowsPerBand
                let rows = min(rowsPerBand, outHeight - firstRow)
                let x = input + batch * s.channels * plane, y = output + batch * s.outChannels * outPlane
                // Expanded input rows bandTop ..< bandTop + used; those outside the image are the
                // depthwise convolution's zero padding.
                let bandTop = firstRow * s.stride - halo, used = (rows - 1) * s.stride + s.kernel
                let bandPlane = used * s.width
                let top = max(0, bandTop), bottom = min(s.height, bandTop + used)
                let first = (top - bandTop) * s.width, end = first + (bottom - top) * s.width
                // The products start from their bias: OpenBLAS would otherwise clear the result
                // first, a pass that adding the bias afterwards repeats.
                for channel in 0..<s.hidden {
                    (expanded + channel * bandPlane + first).update(repeating: expandBias[channel], count: end - first)
                }
                Gemm.multiply(m: s.hidden, n: (bottom - top) * s.width, k: s.channels, a: expand,
                              b: x + top * s.width, ldb: plane, beta: 1, c: expanded + first, ldc: bandPlane)
                for channel in 0..<s.hidden {
                    let row = expanded + channel * bandPlane
                    row.update(repeating: 0, count: first)
                    GELUFunction.applyInPlace(row + first, count: end - first)
                    (row + end).update(repeating: 0, count: bandPlane - end)
                }
                let geometry = Conv2DGeometry(batch: 1, inChannels: s.hidden, inHeight: used, inWidth: s.width,
                                              outChannels: s.hidden, kernelHeight: s.kernel, kernelWidth: s.kernel,
                                              strideH: s.stride, strideW: s.stride, padW: halo, groups: s.hidden)
                let bandOut = rows * outWidth
                DepthwiseConvolution.forward(input: expanded, weight: depthwise, bias: depthwiseBias,
                                             output: filtered, geometry: geometry)
                GELUFunction.applyInPlace(filtered, count: s.hidden * bandOut)
                let out = y + firstRow * outWidth
                for channel in 0..<s.outChannels {
                    (out + channel * outPlane).update(repeating: projectBias[channel], count: bandOut)
                }
                Gemm.multiply(m: s.outChannels, n: bandOut, k: s.hidden, a: project, b: filtered, beta: 1, c: out, ldc: outPlane)
                if s.residual {
                    for channel in 0..<s.outChannels {
                        let row = out + channel * outPlane, residual = x + channel * plane + firstRow * s.width
                        for i in 0..<bandOut { row[i] = GELUFunction()(row[i] + residual[i]) }
                    }
                }
            }
        }
    }
}
