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
        let n = s.tokens, rowStride = 3 * s.channels
        let work = 2 * n * n * s.headDimension + 8 * n * n
        let chunks = Parallelism.chunkCount(s.windows * s.heads, costPerItem: work)
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: chunks * 2 * n * n)
        defer { scratch.deallocate() }
        Parallelism.forEachChunk(s.windows * s.heads, costPerItem: work) { chunk, items in
            // Separate buffers for scores and probabilities: softmax's loops vectorise only when
            // their input and output do not overlap.
            let scores = scratch + chunk * 2 * n * n, probabilities = scores + n * n
            for item in items {
                let window = item / s.heads, head = item % s.heads
                let query = qkv + window * n * rowStride + head * 3 * s.headDimension
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
                              c: output + window * n * s.channels + head * s.headDimension, ldc: s.channels)
            }
        }
    }
}
