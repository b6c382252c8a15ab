/// A transformer's pre-norm MLP with its residual, computed a tile of rows at a time:
/// `y = x + fc2(GELU(fc1(LN(x))))` over the last axis, with exact GELU. Optionally `x` is
/// itself a channels-last depthwise convolution of the input (TinyViT's `local_conv`, which
/// feeds the MLP), computed tile by tile too.
///
/// Unfused, the normalised rows, the 4×-wide hidden activations (32 MiB per block in TinyViT's
/// stage 1), their GELU and the sum each went through memory, and each fresh tensor was
/// page-faulted in; those passes cost about as much as the two products. Here a tile's
/// convolved, normalised and hidden rows stay in cache between the steps; only the input is
/// read and `y` written.
enum ResidualMLP {
    /// Hidden floats per tile: 1 MiB, half a core's L2, so the fc2 product reads it from cache.
    static let hiddenFloatsPerTile = 1 << 18

    /// Sizes: `rows` tokens of `channels`, `hidden` units in the middle.
    struct Shape {
        var rows, channels, hidden: Int
    }

    /// The depthwise convolution in front of the MLP: weights (C, 1, k, k), bias or nil, and the
    /// token grid (`rows` = batch · height · width).
    struct Depthwise {
        var weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?
        var grid: DepthwiseConvolution.ChannelsLastShape
    }

    /// Writes the block's output for `input` (rows, channels) into `output` (same shape; not
    /// `input`). Weights in `Linear` layout: `fc1` (hidden, channels), `fc2` (channels, hidden),
    /// each with its bias; `normWeight`/`normBias` (channels) the LayerNorm's.
    static func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, depthwise: Depthwise? = nil,
                        normWeight: UnsafePointer<Float>, normBias: UnsafePointer<Float>, eps: Float,
                        fc1: UnsafePointer<Float>, fc1Bias: UnsafePointer<Float>,
                        fc2: UnsafePointer<Float>, fc2Bias: UnsafePointer<Float>, shape s: Shape) {
        guard s.rows > 0 else { return }
        // Tiles are whole grid rows when a convolution comes first. As many tiles as fit the
        // cache budget, rounded up to a multiple of the threads so the last chunk is not left
        // holding one extra tile.
        let unit = depthwise?.grid.width ?? 1, units = s.rows / unit
        let threads = Parallelism.currentThreadLimit
        let wanted = (s.rows * s.hidden + hiddenFloatsPerTile - 1) / hiddenFloatsPerTile
        let target = min(units, (wanted + threads - 1) / threads * threads)
        let unitsPerTile = (units + target - 1) / target
        // Counted again from the rounded-up tile, so no trailing tile is empty.
        let tiles = (units + unitsPerTile - 1) / unitsPerTile, tileRows = unitsPerTile * unit
        let work = 4 * tileRows * s.channels * s.hidden
        let convolvedSize = depthwise == nil ? 0 : tileRows * s.channels
        let scratchPerChunk = tileRows * (s.channels + s.hidden) + convolvedSize
        let chunks = Parallelism.chunkCount(tiles, costPerItem: work)
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: chunks * scratchPerChunk)
        defer { scratch.deallocate() }
        let tapWeights = depthwise.map { DepthwiseConvolution.tapMajor($0.weight, channels: s.channels, kernel: $0.grid.kernel) }
        defer { tapWeights?.deallocate() }
        Parallelism.forEachChunk(tiles, costPerItem: work) { chunk, range in
            let normed = scratch + chunk * scratchPerChunk, hidden = normed + tileRows * s.channels
            let convolved = hidden + tileRows * s.hidden
            for tile in range {
                let first = tile * tileRows, rows = min(tileRows, s.rows - first)
                guard rows > 0 else { continue }
                let y = output + first * s.channels
                let x: UnsafePointer<Float>
                if let depthwise, let tapWeights {
                    for row in 0..<(rows / unit) {
                        DepthwiseConvolution.channelsLastRow(first / unit + row, input: input, tapWeights: tapWeights,
                                                             bias: depthwise.bias, into: convolved + row * unit * s.channels,
                                                             shape: depthwise.grid)
                    }
                    x = UnsafePointer(convolved)
                } else {
                    x = input + first * s.channels
                }
                for r in 0..<rows {
                    _ = normalizeRow(x + r * s.channels, into: normed + r * s.channels, count: s.channels,
                                     weight: normWeight, bias: normBias, eps: eps)
                }
                Gemm.linear(normed, rows: rows, inFeatures: s.channels, outFeatures: s.hidden, weight: fc1, bias: fc1Bias, into: hidden)
                GELUFunction.applyInPlace(hidden, count: rows * s.hidden)
                Gemm.linear(hidden, rows: rows, inFeatures: s.hidden, outFeatures: s.channels, weight: fc2, bias: fc2Bias, into: y)
                for i in 0..<(rows * s.channels) { y[i] = x[i] + y[i] }
            }
        }
    }
}
