/// The image side of a token attention with the image channel-major, as SAM's mask decoder
/// updates its image (image-to-token attention, residual, LayerNorm), computed a span of
/// positions at a time. With the query and output projections folded onto the few tokens
/// (see the mask decoder's `DecoderAttention`), each position attends on its own:
/// `y = LN_C(residual + Σₕ Vₕᵀ · softmax(Kₕ · q + cₕ))` for keys `Kₕ` (Nk, C), constants `cₕ`
/// (Nk) and values `Vₕ` (Nk, C) per head, the softmax over each head's Nk keys.
///
/// Unfused, the scores, the weights, the attended image, its sum with the residual and the
/// normalised result each went through memory; here a span's intermediates stay in cache and
/// only the queries and residual are read and the result written. Spans are split across the
/// threads whole, each running its products on one thread.
enum TokenAttentionUpdate {
    /// Positions per span: at 256 channels and 8 heads of 7 tokens, ~190 KiB of intermediates.
    static let span = 128

    /// Sizes: `batch` images of `channels` × `positions`, `heads` × `tokens` keys.
    struct Shape {
        var batch, channels, positions, heads, tokens: Int
    }

    /// Writes the update (batch, channels, positions) into `output`. `keys` and `values` are
    /// (batch, heads·tokens, channels), `constants` (batch, heads·tokens) or nil, `queries` and
    /// `residual` (batch, channels, positions); `weight` and `bias` the LayerNorm's (channels).
    static func forward(queries: UnsafePointer<Float>, keys: UnsafePointer<Float>, constants: UnsafePointer<Float>?,
                        values: UnsafePointer<Float>, residual: UnsafePointer<Float>,
                        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, eps: Float,
                        output: UnsafeMutablePointer<Float>, shape s: Shape) {
        let rows = s.heads * s.tokens, spans = (s.positions + span - 1) / span
        let scratchPerSpan = (2 * rows + s.channels + 2) * span
        let work = 2 * rows * s.channels * span
        let jobs = s.batch * spans
        let chunks = Parallelism.chunkCount(jobs, costPerItem: work)
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: chunks * scratchPerSpan)
        defer { scratch.deallocate() }
        Parallelism.forEachChunk(jobs, costPerItem: work) { chunk, range in
            let scores = scratch + chunk * scratchPerSpan, weights = scores + rows * span, attended = weights + rows * span
            let mean = attended + s.channels * span, rstd = mean + span
            for job in range {
                let item = job / spans, start = job % spans * span, n = min(span, s.positions - start)
                let plane = item * s.channels * s.positions + start
                let itemKeys = keys + item * rows * s.channels, itemValues = values + item * rows * s.channels
                // (heads·tokens, n) scores, then each head's softmax down its rows.
                Gemm.multiply(m: rows, n: n, k: s.channels, a: itemKeys, b: queries + plane, ldb: s.positions, c: scores, ldc: n)
                if let constants {
                    for r in 0..<rows {
                        let row = scores + r * n, shift = constants[item * rows + r]
                        for j in 0..<n { row[j] += shift }
                    }
                }
                for head in 0..<s.heads {
                    let block = head * s.tokens * n
                    softmaxColumns(scores + block, into: weights + block, count: s.tokens, stride: n, width: n, log: false)
                }
                // (channels, n): the values weighted, plus the residual.
                Gemm.multiply(transposeA: true, m: s.channels, n: n, k: rows, a: itemValues, lda: s.channels,
                              b: weights, ldb: n, c: attended, ldc: n)
                for c in 0..<s.channels {
                    let row = attended + c * n, skip = residual + plane + c * s.positions
                    for j in 0..<n { row[j] += skip[j] }
                }
                channelStatistics(attended, channels: s.channels, stride: n, count: n, eps: eps, mean: mean, rstd: rstd)
                for c in 0..<s.channels {
                    let row = attended + c * n, out = output + plane + c * s.positions, gain = weight[c], shift = bias[c]
                    for j in 0..<n { out[j] = (row[j] - mean[j]) * rstd[j] * gain + shift }
                }
            }
        }
    }
}

extension Tensor {
    /// For inference, the image side of a token attention on a channel-major image (B, C, N),
    /// `self` being the queries: `LN_C(residual + Σₕ Vₕᵀ · softmax(Kₕ · self + cₕ))`, where
    /// `keys` and `values` (B, H·Nk, C) hold each head's Nk folded keys and values in turn,
    /// `constants` (B, H·Nk) is added to the scores, each head's softmax runs over its Nk keys
    /// for every position, and the LayerNorm (per-channel `weight`, `bias`) normalises every
    /// position over its C channels. Records no gradient, so it traps when one is wanted
    /// (compose `matmul`, `softmax` and `channelLayerNorm` for training).
    public func tokenAttentionUpdate(keys: Tensor, constants: Tensor?, values: Tensor, heads: Int, residual: Tensor,
                                     norm: (weight: Tensor, bias: Tensor, eps: Float)) -> Tensor {
        precondition(rank == 3 && keys.rank == 3, "tokenAttentionUpdate needs (B, C, N) queries and (B, H·Nk, C) keys")
        let s = TokenAttentionUpdate.Shape(batch: shape[0], channels: shape[1], positions: shape[2], heads: heads,
                                           tokens: heads > 0 ? keys.shape[1] / heads : 0)
        precondition(heads > 0 && s.channels > 0 && keys.shape == [s.batch, s.heads * s.tokens, s.channels]
                     && values.shape == keys.shape && constants.map { $0.shape == [s.batch, s.heads * s.tokens] } ?? true
                     && residual.shape == shape && norm.weight.shape == [s.channels] && norm.bias.shape == [s.channels],
                     "tokenAttentionUpdate: keys \(keys.shape), values \(values.shape), residual \(residual.shape) "
                     + "do not fit queries \(shape) with \(heads) heads")
        precondition(!GradMode.isEnabled || ![self, keys, values, residual, norm.weight, norm.bias].contains(where: \.requiresGrad)
                     && !(constants?.requiresGrad ?? false),
                     "tokenAttentionUpdate has no gradient; compose it when training")
        let output = Tensor(uninitializedShape: shape)
        TokenAttentionUpdate.forward(queries: pointer, keys: keys.pointer, constants: constants?.pointer, values: values.pointer,
                                     residual: residual.pointer, weight: norm.weight.pointer, bias: norm.bias.pointer,
                                     eps: norm.eps, output: output.pointer, shape: s)
        return output
    }
}
