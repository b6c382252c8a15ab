/// An inverted residual block with exact GELU, computed a band of rows at a time:
/// `y = GELU(x + project(GELU(depthwise(GELU(expand(x))))))`, where `expand` and `project` are
/// 1×1 convolutions and `depthwise` is a k×k depthwise convolution with stride 1 and "same"
/// padding, each with a bias (batch norms folded in by the caller).
///
/// Unfused, each step reads and writes a full tensor: at TinyViT's 256² stem with 256 expanded
/// channels that is 64 MiB per step, so the block ran at memory speed. Here each band's
/// expanded rows stay in cache between the steps. A band recomputes the expanded rows just above
/// and below it (the depthwise kernel's halo), which costs `(k−1)/rows` of the expand product.
enum InvertedResidual {
    /// Output rows per band: with 256 expanded channels of width 256, the band's expanded and
    /// depthwise buffers take ~2.5 MiB, within a core's share of cache, and the halo adds 25 %
    /// to the expand product.
    static let bandRows = 8

    /// Sizes of one block: input and output (batch, channels, height, width), `hidden`
    /// expanded channels, a `kernel`×`kernel` depthwise convolution.
    struct Shape {
        var batch, channels, hidden, height, width, kernel: Int
    }

    /// Writes the block's output for `input` into `output` (both (batch, channels, height, width)).
    /// Weights: `expand` (hidden, channels), `depthwise` (hidden, kernel²), `project`
    /// (channels, hidden), each with its bias.
    static func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                        expand: UnsafePointer<Float>, expandBias: UnsafePointer<Float>,
                        depthwise: UnsafePointer<Float>, depthwiseBias: UnsafePointer<Float>,
                        project: UnsafePointer<Float>, projectBias: UnsafePointer<Float>, shape s: Shape) {
        precondition(s.kernel % 2 == 1, "inverted residual: the depthwise kernel must have an odd side, not \(s.kernel)")
        let plane = s.height * s.width, halo = s.kernel / 2
        let bands = (s.height + bandRows - 1) / bandRows
        let work = s.hidden * bandRows * s.width * (2 * s.channels + s.kernel * s.kernel)
        let expandedSize = s.hidden * (bandRows + 2 * halo) * s.width, filteredSize = s.hidden * bandRows * s.width
        let chunks = Parallelism.chunkCount(s.batch * bands, costPerItem: work)
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: chunks * (expandedSize + filteredSize))
        defer { scratch.deallocate() }
        Parallelism.forEachChunk(s.batch * bands, costPerItem: work) { chunk, items in
            let expanded = scratch + chunk * (expandedSize + filteredSize), filtered = expanded + expandedSize
            for item in items {
                let batch = item / bands, firstRow = item % bands * bandRows
                let rows = min(bandRows, s.height - firstRow)
                let x = input + batch * s.channels * plane, y = output + batch * s.channels * plane
                // Expanded rows firstRow − halo ..< firstRow + rows + halo; those outside the image
                // are the depthwise convolution's zero padding.
                let top = max(0, firstRow - halo), bottom = min(s.height, firstRow + rows + halo)
                let bandHeight = rows + 2 * halo, bandPlane = bandHeight * s.width
                let inside = expanded + (top - (firstRow - halo)) * s.width
                Gemm.multiply(m: s.hidden, n: (bottom - top) * s.width, k: s.channels, a: expand,
                              b: x + top * s.width, ldb: plane, c: inside, ldc: bandPlane)
                for channel in 0..<s.hidden {
                    let row = expanded + channel * bandPlane
                    let first = (top - (firstRow - halo)) * s.width, end = first + (bottom - top) * s.width
                    row.update(repeating: 0, count: first)
                    biasGELU(row + first, count: end - first, bias: expandBias[channel])
                    (row + end).update(repeating: 0, count: bandPlane - end)
                }
                let geometry = Conv2DGeometry(batch: 1, inChannels: s.hidden, inHeight: bandHeight, inWidth: s.width,
                                              outChannels: s.hidden, kernelHeight: s.kernel, kernelWidth: s.kernel,
                                              padW: halo, groups: s.hidden)
                DepthwiseConvolution.forward(input: expanded, weight: depthwise, bias: depthwiseBias,
                                             output: filtered, geometry: geometry)
                let bandOut = rows * s.width
                for channel in 0..<s.hidden { biasGELU(filtered + channel * bandOut, count: bandOut, bias: 0) }
                let out = y + firstRow * s.width
                Gemm.multiply(m: s.channels, n: bandOut, k: s.hidden, a: project, b: filtered, c: out, ldc: plane)
                for channel in 0..<s.channels {
                    let row = out + channel * plane, residual = x + channel * plane + firstRow * s.width
                    let bias = projectBias[channel]
                    for i in 0..<bandOut { row[i] = GELUFunction()(row[i] + bias + residual[i]) }
                }
            }
        }
    }

    /// `values[i] = GELU(values[i] + bias)` in place.
    @inline(__always)
    private static func biasGELU(_ values: UnsafeMutablePointer<Float>, count: Int, bias: Float) {
        let gelu = GELUFunction()
        for i in 0..<count { values[i] = gelu(values[i] + bias) }
    }
}
