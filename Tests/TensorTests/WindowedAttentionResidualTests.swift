import Testing
@testable import Tensor

/// The fused attention half of a TinyViT block (`windowedAttentionResidual`) against the same
/// computation composed of `padded`, `permuted`, `layerNorm`, `linear`, `matmul` and `softmax`.
@Suite struct WindowedAttentionResidualTests {
    /// One case: (batch, height, width, channels) tokens, `window`² windows, `heads` heads,
    /// and whether the projections and the scores have biases.
    struct Case: CustomTestStringConvertible, Sendable {
        var batch, height, width, channels, window, heads: Int
        var biases = true
        var testDescription: String { "\(batch)×\(height)×\(width)×\(channels), window \(window), \(heads) heads, biases \(biases)" }
    }

    static let cases: [Case] = [
        // Padded on both sides (9 → 12, 11 → 12): padded tokens enter as the norm's bias.
        Case(batch: 2, height: 9, width: 11, channels: 12, window: 4, heads: 3),
        // Whole windows, no padding.
        Case(batch: 2, height: 8, width: 12, channels: 8, window: 4, heads: 2),
        // Without any bias, padded on the right only.
        Case(batch: 2, height: 7, width: 10, channels: 10, window: 7, heads: 5, biases: false),
        // 26 windows of 49 tokens at 64 channels overflow one band: each row of windows is
        // split in two, and both sides are padded.
        Case(batch: 1, height: 10, width: 180, channels: 64, window: 7, heads: 4),
        // 5 windows of 196 tokens at 256 channels need 4 bands' worth of scratch; 2 windows a
        // band then cover the row in 3 bands, the last holding one window.
        Case(batch: 1, height: 10, width: 66, channels: 256, window: 14, heads: 4),
    ]

    @Test(arguments: cases)
    func fusedBlockHalfEqualsTheComposedOne(_ t: Case) {
        var generator = SeededGenerator(seed: UInt64(t.height * 1000 + t.width))
        let c = t.channels, n = t.window * t.window, headDim = c / t.heads
        let x = Tensor.randn([t.batch, t.height, t.width, c], generator: &generator)
        // A norm far from the identity, so padded tokens (its bias) differ from zero tokens.
        let normWeight = Tensor.randn([c], std: 0.5, generator: &generator) + 1
        let normBias = Tensor.randn([c], generator: &generator)
        let qkvWeight = Tensor.randn([3 * c, c], std: 0.3, generator: &generator)
        let projWeight = Tensor.randn([c, c], std: 0.3, generator: &generator)
        let qkvBias = t.biases ? Tensor.randn([3 * c], generator: &generator) : nil
        let projBias = t.biases ? Tensor.randn([c], generator: &generator) : nil
        let bias = t.biases ? Tensor.randn([t.heads, n, n], std: 2, generator: &generator) : nil
        let scale = 1 / Float(headDim).squareRoot()
        let (fused, composed) = noGrad {
            let fused = x.windowedAttentionResidual(window: t.window, heads: t.heads, scale: scale,
                                                    norm: (normWeight, normBias, 1e-5), qkv: (qkvWeight, qkvBias),
                                                    bias: bias, projection: (projWeight, projBias))
            // Partition: zero-pad to whole windows, then (B·windows, n, C).
            let hp = (t.height + t.window - 1) / t.window * t.window, wp = (t.width + t.window - 1) / t.window * t.window
            let rows = hp / t.window, columns = wp / t.window, windows = t.batch * rows * columns
            let padded = x.padded([0, 0, 0, wp - t.width, 0, hp - t.height])
            let tokens = padded.reshaped([t.batch, rows, t.window, columns, t.window, c]).permuted(0, 1, 3, 2, 4, 5)
                .reshaped([windows, n, c])
            let qkv = tokens.layerNorm(weight: normWeight, bias: normBias, eps: 1e-5).linear(weight: qkvWeight, bias: qkvBias)
            let packed = qkv.reshaped([windows, n, t.heads, 3, headDim]).permuted(3, 0, 2, 1, 4)
                .reshaped([3, windows * t.heads, n, headDim])
            var scores = (packed[index: 0].matmul(transposing: packed[index: 1]) * scale).reshaped([windows, t.heads, n, n])
            if let bias { scores = scores + bias.reshaped([1, t.heads, n, n]) }
            let attended = scores.softmax(axis: -1).reshaped([windows * t.heads, n, n]).matmul(packed[index: 2])
                .reshaped([windows, t.heads, n, headDim]).permuted(0, 2, 1, 3).reshaped([windows, n, c])
            // Unpartition and crop.
            let image = attended.linear(weight: projWeight, bias: projBias)
                .reshaped([t.batch, rows, columns, t.window, t.window, c]).permuted(0, 1, 3, 2, 4, 5)
                .reshaped([t.batch, hp, wp, c]).slice(axis: 1, 0, t.height).slice(axis: 2, 0, t.width)
            return (fused, x + image)
        }
        #expect(fused.shape == composed.shape)
        let error = KernelTestData.maxScaledError(fused.scalars, composed.scalars)
        #expect(error <= 1e-5, "max |fused − composed| / max |composed| = \(error)")
    }
}
