import NN
import Tensor

extension TinyViT {
    /// Multi-head self-attention within one square window, with a learned bias per head and
    /// relative offset (LeViT's `attention_biases`), and its own pre-norm.
    ///
    /// Unlike SAM's encoder, `qkv` packs each head's query, key and value together (its output
    /// is `[q₀ k₀ v₀ | q₁ k₁ v₁ | …]`), and the scale multiplies the scores, not the query.
    public final class Attention: FusedQKVAttention {
        /// (heads, window²): one bias per head and offset (|Δrow|, |Δcol|) within the window.
        public let attention_biases: Parameter
        public let norm: LayerNorm
        /// Replaceable so LoRA can put a `LoRALinear` here.
        @Replaceable public var qkv: Linear
        public let proj: Linear
        public let numHeads: Int
        /// For each (query, key) pair of the window's tokens, row-major, its column of `attention_biases`.
        let biasIndices: [Int]

        /// Attention over `dim` channels in `windowSize`² windows (biases start at zero, as the official init).
        public init(dim: Int, numHeads: Int, windowSize: Int, generator: inout SeededGenerator) {
            precondition(dim % numHeads == 0, "\(dim) channels do not split into \(numHeads) heads")
            self.numHeads = numHeads
            attention_biases = Parameter(.zeros([numHeads, windowSize * windowSize]))
            norm = LayerNorm(dim)
            qkv = Linear(inFeatures: dim, outFeatures: 3 * dim, generator: &generator)
            proj = Linear(inFeatures: dim, outFeatures: dim, generator: &generator)
            // The official code numbers offsets in order of first appearance; the first query
            // (0, 0) meets every offset (Δrow, Δcol) in row-major order, so the number of
            // (|Δrow|, |Δcol|) is |Δrow|·ws + |Δcol|.
            var indices: [Int] = []
            indices.reserveCapacity(windowSize * windowSize * windowSize * windowSize)
            for q in 0..<(windowSize * windowSize) {
                for k in 0..<(windowSize * windowSize) {
                    indices.append(abs(q / windowSize - k / windowSize) * windowSize + abs(q % windowSize - k % windowSize))
                }
            }
            biasIndices = indices
        }

        /// Each head's first and last thirds of its packed `[q k v]` rows.
        public var queryAndValueRows: [Int] {
            let headDim = proj.inFeatures / numHeads
            return (0..<numHeads).flatMap { head in
                let start = head * 3 * headDim
                return Array(start..<(start + headDim)) + Array((start + 2 * headDim)..<(start + 3 * headDim))
            }
        }

        /// The learned biases spread over the window's (query, key) pairs: (heads, tokens, tokens).
        var pairBiases: Tensor {
            let tokens = attention_biases.value.shape[1]
            return attention_biases.value.indexSelect(axis: 1, biasIndices).reshaped([numHeads, tokens, tokens])
        }

        /// For inference, `x` plus this attention over `window`² windows of `x` (B, H, W, C), padding
        /// and all, in one banded pass (`windowedAttentionResidual`). Nil when a gradient is
        /// wanted or `qkv` is not a plain `Linear` (LoRA's adds a branch the kernel lacks): the
        /// block then composes partition, this module and unpartition.
        func fusedResidual(_ x: Tensor, window: Int) -> Tensor? {
            guard type(of: qkv) == Linear.self else { return nil }
            let parameters = [attention_biases, norm.weight, norm.bias, qkv.weight, proj.weight] + [qkv.bias, proj.bias].compactMap { $0 }
            guard !GradMode.isEnabled || !(x.requiresGrad || parameters.contains(where: \.requiresGrad)) else { return nil }
            let headDim = proj.inFeatures / numHeads
            return x.windowedAttentionResidual(window: window, heads: numHeads, scale: 1 / Float(headDim).squareRoot(),
                                               norm: (norm.weight.value, norm.bias.value, norm.eps),
                                               qkv: (qkv.weight.value, qkv.bias?.value), bias: pairBiases,
                                               projection: (proj.weight.value, proj.bias?.value))
        }

        /// `x` is (windows, tokens, C) with tokens = window²; the output has the same shape.
        public func callAsFunction(_ x: Tensor) -> Tensor {
            let windows = x.shape[0], tokens = x.shape[1], channels = x.shape[2]
            let headDim = channels / numHeads
            precondition(tokens * tokens == biasIndices.count, "attention built for \(biasIndices.count) token pairs got \(tokens) tokens")
            let projected = qkv(norm(x))
            let bias = pairBiases
            let scale = 1 / Float(headDim).squareRoot()
            if !GradMode.isEnabled || !(projected.requiresGrad || bias.requiresGrad) {
                // Inference: one fused pass per window and head (see `windowAttention`).
                return proj(projected.windowAttention(heads: numHeads, scale: scale, bias: bias))
            }
            // (W, N, heads, 3, hd) → (3, W·heads, N, hd).
            let packed = projected.reshaped([windows, tokens, numHeads, 3, headDim]).permuted(3, 0, 2, 1, 4)
                .reshaped([3, windows * numHeads, tokens, headDim])
            let q = packed[index: 0], k = packed[index: 1], v = packed[index: 2]
            let scores = (q.matmul(transposing: k) * scale)
                .reshaped([windows, numHeads, tokens, tokens]) + bias.reshaped([1, numHeads, tokens, tokens])
            let attended = scores.softmax(axis: -1).reshaped([windows * numHeads, tokens, tokens]).matmul(v)
            return proj(attended.reshaped([windows, numHeads, tokens, headDim]).permuted(0, 2, 1, 3)
                .reshaped([windows, tokens, channels]))
        }
    }
}
