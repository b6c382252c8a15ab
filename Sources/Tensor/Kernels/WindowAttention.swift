/// Multi-head attention over many small windows of tokens, one (window, head) at a time:
/// `softmax(scale · q·kᵀ + bias) · v`, read straight out of a fused `qkv` projection and written
/// straight into the heads-side-by-side layout the output projection takes.
///
/// Composed of tensor ops, each window's scores went through memory four times (product,
/// scale, bias, softmax) and q, k, v and the output were each permuted by a copy; TinyViT's
/// encoder has thousands of windows of 49 or 196 tokens, so those passes cost more than the
/// products. Here a window's scores and probabilities (300 KiB at 196 tokens) stay in cache.
enum WindowAttention {
    /// Sizes: `windows` windows of `tokens` tokens; `heads` heads of `headDimension`.
    struct Shape {
        var windows, tokens, heads, headDimension: Int
        var channels: Int { heads * headDimension }
    }

    /// `qkv` is (windows, tokens, heads, 3, headDimension), each head's query, key and value
    /// side by side (TinyViT's and SAM's layout); `bias` (heads, tokens, tokens) or nil is added
    /// to the scaled scores; `output` is (windows, tokens, heads · headDimension).
    static func forward(qkv: UnsafePointer<Float>, bias: UnsafePointer<Float>?, scale: Float,
                        output: UnsafeMutablePointer<Float>, shape s: Shape) {
        let n = s.tokens
        let work = 2 * n * n * s.headDimension + 8 * n * n
        let chunks = Parallelism.chunkCount(s.windows * s.heads, costPerItem: work)
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: chunks * scratchSize(s))
        defer { scratch.deallocate() }
        Parallelism.forEachChunk(s.windows * s.heads, costPerItem: work) { chunk, items in
            // A chunk's items are (window, head) pairs in order: one call per window it touches.
            var item = items.lowerBound
            while item < items.upperBound {
                let window = item / s.heads, first = item % s.heads, end = min(s.heads, first + items.upperBound - item)
                attend(qkv: qkv + window * n * 3 * s.channels, heads: first..<end, bias: bias, scale: scale,
                       output: output + window * n * s.channels, scratch: scratch + chunk * scratchSize(s), shape: s)
                item += end - first
            }
        }
    }

    /// Floats of scratch `attend` needs: one window's scores and probabilities for one head.
    static func scratchSize(_ s: Shape) -> Int { 2 * s.tokens * s.tokens }

    /// The heads `heads` of one window: `qkv` points at its (tokens, heads, 3, headDimension)
    /// rows, `output` at its (tokens, channels) rows, and `scratch` holds `scratchSize` floats.
    /// `forward` and the fused TinyViT block (`WindowedAttentionResidual`) both run windows
    /// through this, so they compute the same attention.
    static func attend(qkv: UnsafePointer<Float>, heads: Range<Int>, bias: UnsafePointer<Float>?, scale: Float,
                       output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>, shape s: Shape) {
        let n = s.tokens, rowStride = 3 * s.channels
        // Separate buffers for scores and probabilities: softmax's loops vectorise only when
        // their input and output do not overlap.
        let scores = scratch, probabilities = scores + n * n
        for head in heads {
            let query = qkv + head * 3 * s.headDimension
            let key = query + s.headDimension, value = key + s.headDimension
            Gemm.multiply(transposeB: true, m: n, n: n, k: s.headDimension, alpha: scale,
                          a: query, lda: rowStride, b: key, ldb: rowStride, c: scores)
            for row in 0..<n {
                let scoreRow = scores + row * n
                if let bias {
                    let biasRow = bias + (head * n + row) * n
                    for j in 0..<n { scoreRow[j] += biasRow[j] }
                }
                softmaxRow(scoreRow, into: probabilities + row * n, count: n)
            }
            Gemm.multiply(m: n, n: s.headDimension, k: n, a: probabilities, b: value, ldb: rowStride,
                          c: output + head * s.headDimension, ldc: s.channels)
        }
    }
}
