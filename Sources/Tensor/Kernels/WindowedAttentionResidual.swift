/// The attention half of a TinyViT block, computed a band of windows at a time:
/// `y = x + crop(unpartition(proj(attention(qkv(LN(partition(x)))))))` for channels-last
/// tokens x (B, H, W, C), where `partition` zero-pads H and W up to whole windows before the
/// norm (so padded tokens enter `qkv` as the norm's bias, as the official code has it) and the
/// attention runs per window and head with a bias per token pair.
///
/// Unfused, the padding, the permuting copy into windows, the norm, the qkv projection (three
/// times the tokens' size), the attention, the output projection, the copy back, the crop and
/// the residual sum each went through memory: at LiteMedSAM's 128² stage with 128 channels
/// every one of those is 8–24 MiB, and together they cost as much as the products. Here a band
/// gathers its tokens straight from x, keeps every intermediate in cache, and writes only its
/// share of y.
enum WindowedAttentionResidual {
    /// Floats of intermediates a band may hold (1.5 MiB): with the weights it reads, about a
    /// core's 2 MiB of L2 on the machines this runs on.
    static let bandFloats = 384 * 1024

    /// Sizes: `batch` images of `height` × `width` tokens with `channels` channels, attended
    /// in `window`² windows by `heads` heads.
    struct Shape {
        var batch, height, width, channels, window, heads: Int
        var tokens: Int { window * window }
        var windowRows: Int { (height + window - 1) / window }
        var windowColumns: Int { (width + window - 1) / window }
        /// One window's shape for `WindowAttention.attend`.
        var attention: WindowAttention.Shape {
            .init(windows: 1, tokens: tokens, heads: heads, headDimension: channels / heads)
        }
    }

    /// Writes y (batch, height, width, channels) for `input` x into `output`. `normWeight` and
    /// `normBias` are the LayerNorm's (channels); `qkvWeight` (3 · channels, channels) packs each
    /// head's query, key and value rows together, as `WindowAttention` reads them; `bias`
    /// (heads, window², window²) is added to the scaled scores; `projWeight` (channels, channels).
    /// The projections' biases may be nil.
    static func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                        normWeight: UnsafePointer<Float>, normBias: UnsafePointer<Float>, eps: Float,
                        qkvWeight: UnsafePointer<Float>, qkvBias: UnsafePointer<Float>?,
                        bias: UnsafePointer<Float>?, scale: Float,
                        projWeight: UnsafePointer<Float>, projBias: UnsafePointer<Float>?, shape s: Shape) {
        let n = s.tokens, c = s.channels
        // Per window: normalised tokens (later the projected ones), qkv, attended.
        let windowFloats = 5 * n * c
        // Each row of windows is cut into near-equal bands that fit `bandFloats`; rows give
        // enough bands to keep two threads balanced at every LiteMedSAM stage (10–38 bands).
        // Rounding the band up can leave fewer bands than the scratch asked for (5 windows in
        // 4 bands are 3 of 2), so the count is taken from the band.
        let wanted = max(1, min(s.windowColumns, (s.windowColumns * windowFloats + bandFloats - 1) / bandFloats))
        let bandWindows = (s.windowColumns + wanted - 1) / wanted
        let bandsPerRow = (s.windowColumns + bandWindows - 1) / bandWindows
        let bandTokens = bandWindows * n
        let scratchPerChunk = bandTokens * 5 * c + WindowAttention.scratchSize(s.attention)
        let work = bandTokens * (4 * c * c + 2 * n * c)
        let bands = s.batch * s.windowRows * bandsPerRow
        let chunks = Parallelism.chunkCount(bands, costPerItem: work)
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: chunks * scratchPerChunk)
        defer { scratch.deallocate() }
        Parallelism.forEachChunk(bands, costPerItem: work) { chunk, items in
            // `normalized` is reused for the projected tokens once qkv has been computed from it.
            let normalized = scratch + chunk * scratchPerChunk, qkv = normalized + bandTokens * c
            let attended = qkv + bandTokens * 3 * c, attentionScratch = attended + bandTokens * c
            for item in items {
                let image = item / (s.windowRows * bandsPerRow), windowRow = item / bandsPerRow % s.windowRows
                let firstColumn = item % bandsPerRow * bandWindows
                let windows = min(bandWindows, s.windowColumns - firstColumn), count = windows * n
                // Tokens window by window, each window's in row-major order: the layout the
                // partitioned tensor had, so `WindowAttention.attend` reads it unchanged.
                forEachToken(windowRow: windowRow, firstColumn: firstColumn, windows: windows, shape: s) { token, source in
                    let row = normalized + token * c
                    if let source {
                        _ = normalizeRow(input + (image * s.height * s.width + source) * c, into: row, count: c,
                                         weight: normWeight, bias: normBias, eps: eps)
                    } else {
                        row.update(from: normBias, count: c)
                    }
                }
                Gemm.linear(normalized, rows: count, inFeatures: c, outFeatures: 3 * c, weight: qkvWeight, bias: qkvBias, into: qkv)
                for window in 0..<windows {
                    WindowAttention.attend(qkv: qkv + window * n * 3 * c, heads: 0..<s.heads, bias: bias, scale: scale,
                                           output: attended + window * n * c, scratch: attentionScratch, shape: s.attention)
                }
                let projected = normalized
                Gemm.linear(attended, rows: count, inFeatures: c, outFeatures: c, weight: projWeight, bias: projBias, into: projected)
                forEachToken(windowRow: windowRow, firstColumn: firstColumn, windows: windows, shape: s) { token, source in
                    guard let source else { return }
                    let offset = (image * s.height * s.width + source) * c
                    let x = input + offset, y = output + offset, p = projected + token * c
                    for j in 0..<c { y[j] = x[j] + p[j] }
                }
            }
        }
    }

    /// Calls `body` for every token of a band's windows with its index in the band and its
    /// position `row · width + column` in the image, or nil for the zero padding.
    @inline(__always)
    private static func forEachToken(windowRow: Int, firstColumn: Int, windows: Int, shape s: Shape,
                                     _ body: (_ token: Int, _ source: Int?) -> Void) {
        for window in 0..<windows {
            for i in 0..<s.window {
                let row = windowRow * s.window + i
                for j in 0..<s.window {
                    let column = (firstColumn + window) * s.window + j
                    body((window * s.window + i) * s.window + j, row < s.height && column < s.width ? row * s.width + column : nil)
                }
            }
        }
    }
}
