extension Tensor {
    /// A pre-norm transformer MLP with its residual over the last axis:
    /// `m + fc2(GELU(fc1(layerNorm(m))))` with `m = self`, exact GELU, weights in `Linear` layout
    /// (`fc1` (hidden, C), `fc2` (C, hidden)). With `depthwise` (weight (C, 1, k, k), k odd, and
    /// bias), `self` is channels-last (N, H, W, C) tokens and `m` is
    /// `depthwiseConv2dChannelsLast(weight:bias:)` of them, computed tile by tile and never
    /// stored, as TinyViT's blocks feed `local_conv` into the MLP. Inference only: it records no
    /// gradient, so it traps when one is wanted (compose the ops when training).
    public func residualGELUMLP(depthwise: (weight: Tensor, bias: Tensor?)? = nil, norm: (weight: Tensor, bias: Tensor, eps: Float),
                                fc1: (weight: Tensor, bias: Tensor), fc2: (weight: Tensor, bias: Tensor)) -> Tensor {
        let channels = shape.last ?? 0, hidden = fc1.weight.shape.first ?? 0
        precondition(norm.weight.shape == [channels] && norm.bias.shape == [channels]
                     && fc1.weight.shape == [hidden, channels] && fc1.bias.shape == [hidden]
                     && fc2.weight.shape == [channels, hidden] && fc2.bias.shape == [channels],
                     "residualGELUMLP: norm \(norm.weight.shape), fc1 \(fc1.weight.shape), fc2 \(fc2.weight.shape) do not fit \(shape)")
        let kernel = depthwise?.weight.shape.last ?? 1
        precondition(depthwise.map { rank == 4 && $0.weight.shape == [channels, 1, kernel, kernel] && kernel % 2 == 1
                                     && ($0.bias.map { $0.shape == [channels] } ?? true) } ?? true,
                     "residualGELUMLP: depthwise weight \(depthwise?.weight.shape ?? []) does not fit \(shape) (NHWC, odd kernel)")
        let inputs = [self, norm.weight, norm.bias, fc1.weight, fc1.bias, fc2.weight, fc2.bias, depthwise?.weight, depthwise?.bias]
        precondition(!GradMode.isEnabled || !inputs.contains(where: { $0?.requiresGrad == true }),
                     "residualGELUMLP has no gradient; compose the ops when training")
        let output = Tensor(uninitializedShape: shape)
        let convolution = depthwise.map {
            ResidualMLP.Depthwise(weight: $0.weight.pointer, bias: $0.bias?.pointer,
                                  grid: .init(batch: shape[0], height: shape[1], width: shape[2], channels: channels, kernel: kernel))
        }
        ResidualMLP.forward(input: pointer, output: output.pointer, depthwise: convolution,
                            normWeight: norm.weight.pointer, normBias: norm.bias.pointer, eps: norm.eps,
                            fc1: fc1.weight.pointer, fc1Bias: fc1.bias.pointer,
                            fc2: fc2.weight.pointer, fc2Bias: fc2.bias.pointer,
                            shape: .init(rows: channels == 0 ? 0 : count / channels, channels: channels, hidden: hidden))
        return output
    }
}
