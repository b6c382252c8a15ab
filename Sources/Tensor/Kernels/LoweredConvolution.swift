/// A grouped 2-D convolution reduced to im2col plus one GEMM per group and batch item.
///
/// Both `Convolution` and `ConvolutionTranspose` run on this: a transposed convolution is
/// this convolution's data gradient, and vice versa. Column buffers hold one batch item at a
/// time, so memory stays bounded at large batch sizes.
struct LoweredConvolution: Sendable {
    var batch, groups, outChannels: Int
    var columns: ColumnLayout

    private var inputChannelsPerGroup: Int { columns.channels / groups }
    private var outputChannelsPerGroup: Int { outChannels / groups }
    /// Columns-matrix rows of one group: its input channels times the kernel taps.
    private var rowsPerGroup: Int { inputChannelsPerGroup * columns.taps }
    private var inputItemSize: Int { columns.channels * columns.planeSize }
    private var outputItemSize: Int { outChannels * columns.columns }
    private var weightGroupSize: Int { outputChannelsPerGroup * rowsPerGroup }

    /// Runs `body` for every group: concurrently when each group's GEMM is small enough that
    /// OpenBLAS runs it on the calling thread (depthwise and narrow groups), else in sequence
    /// so OpenBLAS's own threads have the cores.
    private func forEachGroup(_ body: (Int) -> Void) {
        let work = outputChannelsPerGroup * rowsPerGroup * columns.columns
        if groups > 1 && work <= Gemm.singleThreadedWork {
            Parallelism.forEach(groups, costPerItem: work) { range in range.forEach(body) }
        } else {
            (0..<groups).forEach(body)
        }
    }

    /// Calls `body` with the column matrix of each batch item in turn.
    private func withColumns(of input: UnsafePointer<Float>,
                             _ body: (_ item: Int, _ matrix: UnsafePointer<Float>) -> Void) {
        if columns.isIdentity {
            for item in 0..<batch { body(item, input + item * inputItemSize) }
            return
        }
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: columns.rows * columns.columns)
        defer { buffer.deallocate() }
        for item in 0..<batch {
            columns.lower(input + item * inputItemSize, into: buffer)
            body(item, buffer)
        }
    }

    /// `output[n, g] = weight[g] · columns(input[n])[g]`; output is overwritten.
    func forward(input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                 output: UnsafeMutablePointer<Float>) {
        let plan = self
        withColumns(of: input) { item, matrix in
            let destination = output + item * plan.outputItemSize
            plan.forEachGroup { group in
                Gemm.multiply(m: plan.outputChannelsPerGroup, n: plan.columns.columns, k: plan.rowsPerGroup,
                              a: weight + group * plan.weightGroupSize,
                              b: matrix + group * plan.rowsPerGroup * plan.columns.columns,
                              c: destination + group * plan.outputChannelsPerGroup * plan.columns.columns)
            }
        }
    }

    /// `input grad[n] = columns⁻ᵀ(weight[g]ᵀ · outputGrad[n, g])`; inputGrad is overwritten.
    func backwardData(outputGrad: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                      inputGrad: UnsafeMutablePointer<Float>) {
        let plan = self
        let buffer: UnsafeMutablePointer<Float>? = columns.isIdentity
            ? nil : .allocate(capacity: columns.rows * columns.columns)
        defer { buffer?.deallocate() }
        for item in 0..<batch {
            let destination = inputGrad + item * inputItemSize
            // For a 1×1 stride-1 kernel the column matrix is the input gradient itself.
            let matrix = buffer ?? destination
            let source = outputGrad + item * outputItemSize
            forEachGroup { group in
                Gemm.multiply(transposeA: true, m: plan.rowsPerGroup, n: plan.columns.columns,
                              k: plan.outputChannelsPerGroup,
                              a: weight + group * plan.weightGroupSize,
                              b: source + group * plan.outputChannelsPerGroup * plan.columns.columns,
                              c: matrix + group * plan.rowsPerGroup * plan.columns.columns)
            }
            if let buffer { columns.accumulate(buffer, into: destination) }
        }
    }

    /// `weightGrad[g] = Σₙ outputGrad[n, g] · columns(input[n])[g]ᵀ`; weightGrad is overwritten.
    func backwardWeight(input: UnsafePointer<Float>, outputGrad: UnsafePointer<Float>,
                        weightGrad: UnsafeMutablePointer<Float>) {
        guard batch > 0 else {
            weightGrad.update(repeating: 0, count: groups * weightGroupSize)
            return
        }
        let plan = self
        withColumns(of: input) { item, matrix in
            let source = outputGrad + item * plan.outputItemSize
            plan.forEachGroup { group in
                Gemm.multiply(transposeB: true, m: plan.outputChannelsPerGroup, n: plan.rowsPerGroup,
                              k: plan.columns.columns,
                              a: source + group * plan.outputChannelsPerGroup * plan.columns.columns,
                              b: matrix + group * plan.rowsPerGroup * plan.columns.columns,
                              beta: item == 0 ? 0 : 1,
                              c: weightGrad + group * plan.weightGroupSize)
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
