import Testing
@testable import Tensor

/// The fused window attention (`windowAttention`) against the same attention composed of
/// `permuted`, `matmul` and `softmax`.
@Suite struct WindowAttentionTests {
    /// (windows, tokens, heads, head dimension, with bias).
    static let shapes: [(Int, Int, Int, Int, Bool)] = [(3, 49, 2, 8, true), (2, 17, 3, 5, false), (1, 196, 1, 32, true)]

    @Test(arguments: shapes)
    func fusedAttentionEqualsTheComposedOne(_ sizes: (Int, Int, Int, Int, Bool)) {
        let (windows, tokens, heads, headDim, withBias) = sizes
        var generator = SeededGenerator(seed: UInt64(windows * 1000 + tokens))
        let qkv = Tensor.randn([windows, tokens, 3 * heads * headDim], generator: &generator)
        let bias = withBias ? Tensor.randn([heads, tokens, tokens], std: 2, generator: &generator) : nil
        let scale: Float = 0.3
        let (fused, composed) = noGrad {
            let packed = qkv.reshaped([windows, tokens, heads, 3, headDim]).permuted(3, 0, 2, 1, 4)
                .reshaped([3, windows * heads, tokens, headDim])
            var scores = (packed[index: 0].matmul(transposing: packed[index: 1]) * scale).reshaped([windows, heads, tokens, tokens])
            if let bias { scores = scores + bias.reshaped([1, heads, tokens, tokens]) }
            let attended = scores.softmax(axis: -1).reshaped([windows * heads, tokens, tokens]).matmul(packed[index: 2])
            let composed = attended.reshaped([windows, heads, tokens, headDim]).permuted(0, 2, 1, 3)
                .reshaped([windows, tokens, heads * headDim])
            return (qkv.windowAttention(heads: heads, scale: scale, bias: bias), composed)
        }
        #expect(fused.shape == composed.shape)
        let difference = zip(fused.scalars, composed.scalars).map { abs($0 - $1) }.max() ?? .infinity
        #expect(difference <= 1e-5, "max |fused − composed| = \(difference)")
    }
}
