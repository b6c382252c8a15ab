extension Tensor {
    /// A pre-norm transformer MLP with its residual over the last axis:
    /// `self + fc2(GELU(fc1(layerNorm(self))))`, exact GELU, weights in `Linear` layout (`fc1`
    /// (hidden, C), `fc2` (C, hidden)). Inference only: it records no gradient, so it traps when
    /// one is wanted (compose `layerNorm`, `linear` and `gelu` when training).
    public func residualGELUMLP(norm: (weight: Tensor, bias: Tensor, eps: Float),
                                fc1: (weight: Tensor, bias: Tensor), fc2: (weight: Tensor, bias: Tensor)) -> Tensor {
        let channels = shape.last ?? 0, hidden = fc1.weight.shape.first ?? 0
        precondition(norm.weight.shape == [channels] && norm.bias.shape == [channels]
                     && fc1.weight.shape == [hidden, channels] && fc1.bias.shape == [hidden]
                     && fc2.weight.shape == [channels, hidden] && fc2.bias.shape == [channels],
                     "residualGELUMLP: norm \(norm.weight.shape), fc1 \(fc1.weight.shape), fc2 \(fc2.weight.shape) do not fit \(shape)")
        precondition(!GradMode.isEnabled || ![self, norm.weight, norm.bias, fc1.weight, fc1.bias, fc2.weight, fc2.bias]
                        .contains(where: \.requiresGrad),
                     "residualGELUMLP has no gradient; compose layerNorm, linear and gelu when training")
        let output = Tensor(uninitializedShape: shape)
        ResidualMLP.forward(input: pointer, output: output.pointer,
                            normWeight: norm.weight.pointer, normBias: norm.bias.pointer, eps: norm.eps,
                            fc1: fc1.weight.pointer, fc1Bias: fc1.bias.pointer,
                            fc2: fc2.weight.pointer, fc2Bias: fc2.bias.pointer,
                            shape: .init(rows: channels == 0 ? 0 : count / channels, channels: channels, hidden: hidden))
        return output
    }
}
