/// A transformer's pre-norm MLP with its residual, computed a tile of rows at a time:
/// `y = x + fc2(GELU(fc1(LN(x))))` over the last axis, with exact GELU.
///
/// Unfused, the normalised rows, the 4×-wide hidden activations (32 MiB per block in TinyViT's
/// stage 1), their GELU and the sum each went through memory, and each fresh tensor was
/// page-faulted in; those passes cost about as much as the two products. Here a tile's
/// normalised and hidden rows stay in cache between the steps; only `x` is read and `y` written.
enum ResidualMLP {
    /// Hidden floats per tile: 1 MiB, half a core's L2, so the fc2 product reads it from cache.
    static let hiddenFloatsPerTile = 1 << 18

    /// Sizes: `rows` tokens of `channels`, `hidden` units in the middle.
    struct Shape {
        var rows, channels, hidden: Int
    }

    /// Writes the block's output for `input` (rows, channels) into `output` (same shape; not
    /// `input`). Weights in `Linear` layout: `fc1` (hidden, channels), `fc2` (channels, hidden),
    /// each with its bias; `normWeight`/`normBias` (channels) the LayerNorm's.
    static func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                        normWeight: UnsafePointer<Float>, normBias: UnsafePointer<Float>, eps: Float,
                        fc1: UnsafePointer<Float>, fc1Bias: UnsafePointer<Float>,
                        fc2: UnsafePointer<Float>, fc2Bias: UnsafePointer<Float>, shape s: Shape) {
        guard s.rows > 0 else { return }
        // As many tiles as fit the cache budget, rounded up to a multiple of the threads so
        // the last chunk is not left holding one extra tile.
        let threads = Parallelism.currentThreadLimit
        let wanted = (s.rows * s.hidden + hiddenFloatsPerTile - 1) / hiddenFloatsPerTile
        let tiles = min(s.rows, (wanted + threads - 1) / threads * threads)
        let tileRows = (s.rows + tiles - 1) / tiles
        let work = 4 * tileRows * s.channels * s.hidden
        let scratchPerChunk = tileRows * (s.channels + s.hidden)
        let chunks = Parallelism.chunkCount(tiles, costPerItem: work)
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: chunks * scratchPerChunk)
        defer { scratch.deallocate() }
        Parallelism.forEachChunk(tiles, costPerItem: work) { chunk, range in
            let normed = scratch + chunk * scratchPerChunk, hidden = normed + tileRows * s.channels
            for tile in range {
                let first = tile * tileRows, rows = min(tileRows, s.rows - first)
                guard rows > 0 else { continue }
                let x = input + first * s.channels, y = output + first * s.channels
                for r in 0..<rows {
                    _ = normalizeRow(x + r * s.channels, into: normed + r * s.channels, count: s.channels,
                                     weight: normWeight, bias: normBias, eps: eps)
                }
                // Both products start from their bias, as `linear` does: OpenBLAS would otherwise
                // clear the result first, a pass that adding the bias afterwards repeats.
                for r in 0..<rows { (hidden + r * s.hidden).update(from: fc1Bias, count: s.hidden) }
                Gemm.multiply(transposeB: true, m: rows, n: s.hidden, k: s.channels, a: normed, b: fc1, beta: 1, c: hidden)
                let gelu = GELUFunction()
                for i in 0..<(rows * s.hidden) { hidden[i] = gelu(hidden[i]) }
                for r in 0..<rows { (y + r * s.channels).update(from: fc2Bias, count: s.channels) }
                Gemm.multiply(transposeB: true, m: rows, n: s.channels, k: s.hidden, a: hidden, b: fc2, beta: 1, c: y)
                for i in 0..<(rows * s.channels) { y[i] = x[i] + y[i] }
            }
        }
    }
}
