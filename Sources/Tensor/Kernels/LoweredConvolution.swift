/// A grouped 2-D convolution reduced to im2col plus one GEMM per group, batch item and band
/// of output rows.
///
/// Both `Convolution` and `ConvolutionTranspose` run on this: a transposed convolution is
/// this convolution's data gradient, and vice versa. The column buffer holds one band of one
/// batch item at a time, at most `columnBudget` floats, so memory stays bounded at any batch
/// or image size, and buffers that small are reused by malloc instead of being mapped (and
/// page-faulted) afresh on every call.
struct LoweredConvolution: Sendable {
    var batch, groups, outChannels: Int
    var columns: ColumnLayout
    /// Column-matrix floats per band (16 MiB): whole images for the ResNet and SAM shapes,
    /// bands of rows for full-resolution decoder layers.
    var columnBudget = 1 << 22

    private var inputChannelsPerGroup: Int { columns.channels / groups }
    private var outputChannelsPerGroup: Int { outChannels / groups }
    /// Column-matrix rows of one group: its input channels times the kernel taps.
    private var rowsPerGroup: Int { inputChannelsPerGroup * columns.taps }
    private var inputItemSize: Int { columns.channels * columns.planeSize }
    private var outputItemSize: Int { outChannels * columns.columns }
    private var weightGroupSize: Int { outputChannelsPerGroup * rowsPerGroup }

    /// Bands of output rows whose column matrix fits the budget (at least one row each); a
    /// single band when the matrix is the image itself.
    private var bands: [Range<Int>] {
        let height = columns.outHeight
        let rowsPerBand = columns.isIdentity
            ? height : max(1, min(height, columnBudget / max(1, columns.rows * columns.outWidth)))
        return stride(from: 0, to: height, by: rowsPerBand).map { $0..<min($0 + rowsPerBand, height) }
    }

    /// Runs `body` for every group: concurrently when each group's GEMM is small enough that
    /// OpenBLAS runs it on the calling thread (depthwise and narrow groups), else in sequence
    /// so OpenBLAS's own threads have the cores.
    private func forEachGroup(bandColumns: Int, _ body: (Int) -> Void) {
        let work = outputChannelsPerGroup * rowsPerGroup * bandColumns
        if groups > 1 && work <= Gemm.singleThreadedWork {
            Parallelism.forEach(groups, costPerItem: work) { range in range.forEach(body) }
        } else {
            (0..<groups).forEach(body)
        }
    }

    /// A column buffer for the largest band, or nil when the image is its own column matrix.
    private func makeBuffer() -> UnsafeMutablePointer<Float>? {
        guard !columns.isIdentity, let first = bands.first else { return nil }
        return .allocate(capacity: columns.rows * first.count * columns.outWidth)
    }

    /// Calls `body` with each band of each batch item and that band's column matrix.
    private func forEachBand(of input: UnsafePointer<Float>,
                             _ body: (_ item: Int, _ band: Range<Int>, _ matrix: UnsafePointer<Float>) -> Void) {
        let buffer = makeBuffer()
        defer { buffer?.deallocate() }
        let bands = self.bands
        for item in 0..<batch {
            let image = input + item * inputItemSize
            for band in bands {
                if let buffer {
                    columns.lower(image, outputRows: band, into: buffer)
                    body(item, band, buffer)
                } else {
                    body(item, band, image)
                }
            }
        }
    }

    /// `output[n, g] = weight[g] · columns(input[n])[g]`; output is overwritten.
    func forward(input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                 output: UnsafeMutablePointer<Float>) {
        let plan = self
        let outputColumns = columns.columns
        forEachBand(of: input) { item, band, matrix in
            let bandColumns = band.count * plan.columns.outWidth
            let destination = output + item * plan.outputItemSize + band.lowerBound * plan.columns.outWidth
            plan.forEachGroup(bandColumns: bandColumns) { group in
                Gemm.multiply(m: plan.outputChannelsPerGroup, n: bandColumns, k: plan.rowsPerGroup,
                              a: weight + group * plan.weightGroupSize,
                              b: matrix + group * plan.rowsPerGroup * bandColumns,
                              c: destination + group * plan.outputChannelsPerGroup * outputColumns,
                              ldc: outputColumns)
            }
        }
    }

    /// `inputGrad[n] = columnsᵀ(weight[g]ᵀ · outputGrad[n, g])`; inputGrad is overwritten.
    func backwardData(outputGrad: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                      inputGrad: UnsafeMutablePointer<Float>) {
        let buffer = makeBuffer()
        defer { buffer?.deallocate() }
        let outputColumns = columns.columns
        for item in 0..<batch {
            let destination = inputGrad + item * inputItemSize
            if buffer != nil { destination.update(repeating: 0, count: inputItemSize) }
            for band in bands {
                let bandColumns = band.count * columns.outWidth
                // For a 1×1 stride-1 kernel the column matrix is the input gradient itself.
                let matrix = buffer ?? destination
                let source = outputGrad + item * outputItemSize + band.lowerBound * columns.outWidth
                forEachGroup(bandColumns: bandColumns) { group in
                    Gemm.multiply(transposeA: true, m: rowsPerGroup, n: bandColumns, k: outputChannelsPerGroup,
                                  a: weight + group * weightGroupSize,
                                  b: source + group * outputChannelsPerGroup * outputColumns, ldb: outputColumns,
                                  c: matrix + group * rowsPerGroup * bandColumns)
                }
                if let buffer { columns.accumulate(buffer, outputRows: band, into: destination) }
            }
        }
    }

    /// `weightGrad[g] = Σₙ outputGrad[n, g] · columns(input[n])[g]ᵀ`; weightGrad is overwritten.
    func backwardWeight(input: UnsafePointer<Float>, outputGrad: UnsafePointer<Float>,
                        weightGrad: UnsafeMutablePointer<Float>) {
        weightGrad.update(repeating: 0, count: groups * weightGroupSize)
        let plan = self
        let outputColumns = columns.columns
        forEachBand(of: input) { item, band, matrix in
            let bandColumns = band.count * plan.columns.outWidth
            let source = outputGrad + item * plan.outputItemSize + band.lowerBound * plan.columns.outWidth
            plan.forEachGroup(bandColumns: bandColumns) { group in
                Gemm.multiply(transposeB: true, m: plan.outputChannelsPerGroup, n: plan.rowsPerGroup,
                              k: bandColumns,
                              a: source + group * plan.outputChannelsPerGroup * outputColumns, lda: outputColumns,
                              b: matrix + group * plan.rowsPerGroup * bandColumns,
                              beta: 1, c: weightGrad + group * plan.weightGroupSize)
            }
        }
    }
}

/// Per-channel bias helpers shared by the convolution kernels.
enum ChannelBias {
    /// Adds `bias[c]` to every element of channel `c` of an NC(HW) tensor.
    static func add(_ bias: UnsafePointer<Float>, to tensor: UnsafeMutablePointer<Float>,
                    batch: Int, channels: Int, planeSize: Int) {
        Parallelism.forEach(batch * channels, costPerItem: planeSize) { planes in
            for plane in planes {
                let value = bias[plane % channels]
                let start = tensor + plane * planeSize
                for i in 0..<planeSize { start[i] += value }
            }
        }
    }

    /// Overwrites `sums[c]` with the sum of channel `c` over batch and plane, accumulated in
    /// `Double` so large planes do not lose the small terms.
    static func sum(_ tensor: UnsafePointer<Float>, batch: Int, channels: Int, planeSize: Int,
                    into sums: UnsafeMutablePointer<Float>) {
        Parallelism.forEach(channels, costPerItem: batch * planeSize) { range in
            for channel in range {
                var total = 0.0
                for item in 0..<batch {
                    let start = tensor + (item * channels + channel) * planeSize
                    for i in 0..<planeSize { total += Double(start[i]) }
                }
                sums[channel] = Float(total)
            }
        }
    }
}
