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
