extension Tensor {
    /// Multi-head attention of a fused projection `self` (windows, tokens, 3 · C), laid out as
    /// (heads, 3, C / heads) per token: `softmax(scale · q·kᵀ + bias) · v` per window and head,
    /// returned as (windows, tokens, C) with the heads side by side. `bias` is (heads, tokens,
    /// tokens) or nil. Inference only: it records no gradient, so it traps when one is wanted
    /// (compose `matmul` and `softmax` when training).
    public func windowAttention(heads: Int, scale: Float, bias: Tensor?) -> Tensor {
        precondition(rank == 3 && heads > 0 && shape[2] % (3 * heads) == 0,
                     "windowAttention needs (windows, tokens, 3·heads·d) input, got \(shape) for \(heads) heads")
        let (windows, tokens, channels) = (shape[0], shape[1], shape[2] / 3)
        precondition(bias.map { $0.shape == [heads, tokens, tokens] } ?? true,
                     "windowAttention bias must be (\(heads), \(tokens), \(tokens)), got \(bias!.shape)")
        precondition(!GradMode.isEnabled || !(requiresGrad || bias?.requiresGrad == true),
                     "windowAttention has no gradient; compose matmul and softmax when training")
        let output = Tensor(uninitializedShape: [windows, tokens, channels])
        WindowAttention.forward(qkv: pointer, bias: bias?.pointer, scale: scale, output: output.pointer,
                                shape: .init(windows: windows, tokens: tokens, heads: heads, headDimension: channels / heads))
        return output
    }
}

extension Tensor {
    /// For inference, the attention half of a TinyViT block on channels-last tokens `self`
    /// (B, H, W, C): `self + crop(unpartition(proj(attention(qkv(LN(partition(self)))))))`, where
    /// `partition` zero-pads H and W to whole `window`² windows before the LayerNorm `norm`, the
    /// `qkv` projection (3C, C) packs each head's query, key and value rows together, and the
    /// attention is `windowAttention(heads:scale:bias:)` with `bias` (heads, window², window²).
    /// Records no gradient, so it traps when one is wanted (compose the ops when training).
    public func windowedAttentionResidual(window: Int, heads: Int, scale: Float,
                                          norm: (weight: Tensor, bias: Tensor, eps: Float),
                                          qkv: (weight: Tensor, bias: Tensor?), bias: Tensor?,
                                          projection: (weight: Tensor, bias: Tensor?)) -> Tensor {
        precondition(rank == 4 && window > 0 && heads > 0 && shape[3] % heads == 0,
                     "windowedAttentionResidual needs (B, H, W, C) tokens with C a multiple of \(heads) heads, got \(shape)")
        let s = WindowedAttentionResidual.Shape(batch: shape[0], height: shape[1], width: shape[2], channels: shape[3],
                                                window: window, heads: heads)
        let c = s.channels
        precondition(norm.weight.shape == [c] && norm.bias.shape == [c] && qkv.weight.shape == [3 * c, c]
                     && qkv.bias.map { $0.shape == [3 * c] } ?? true && bias.map { $0.shape == [heads, s.tokens, s.tokens] } ?? true
                     && projection.weight.shape == [c, c] && projection.bias.map { $0.shape == [c] } ?? true,
                     "windowedAttentionResidual: weights do not fit \(c) channels, \(heads) heads and \(window)² windows")
        precondition(!GradMode.isEnabled || ![self, norm.weight, norm.bias, qkv.weight, projection.weight].contains(where: \.requiresGrad)
                     && ![qkv.bias, bias, projection.bias].contains { $0?.requiresGrad ?? false },
                     "windowedAttentionResidual has no gradient; compose it when training")
        let output = Tensor(uninitializedShape: shape)
        WindowedAttentionResidual.forward(input: pointer, output: output.pointer,
                                          normWeight: norm.weight.pointer, normBias: norm.bias.pointer, eps: norm.eps,
                                          qkvWeight: qkv.weight.pointer, qkvBias: qkv.bias?.pointer,
                                          bias: bias?.pointer, scale: scale,
                                          projWeight: projection.weight.pointer, projBias: projection.bias?.pointer, shape: s)
        return output
    }
}
