extension Tensor {
    /// 2-D convolution of NCHW input (`F.conv2d`): weight `(out, in/groups, kH, kW)`,
    /// optional bias `(out)`.
    public func conv2d(weight: Tensor, bias: Tensor? = nil, stride: Size2D = 1, padding: Size2D = 0,
                       dilation: Size2D = 1, groups: Int = 1) -> Tensor {
        precondition(rank == 4 && weight.rank == 4, "conv2d needs NCHW input and a rank-4 weight")
        precondition(weight.shape[1] * groups == shape[1],
                     "conv2d: weight \(weight.shape) with \(groups) groups does not fit \(shape[1]) input channels")
        precondition(bias.map { $0.shape == [weight.shape[0]] } ?? true, "conv2d bias must have shape [\(weight.shape[0])]")
        let geometry = Conv2DGeometry(
            batch: shape[0], inChannels: shape[1], inHeight: shape[2], inWidth: shape[3],
            outChannels: weight.shape[0], kernelHeight: weight.shape[2], kernelWidth: weight.shape[3],
            strideH: stride.h, strideW: stride.w, padH: padding.h, padW: padding.w,
            dilationH: dilation.h, dilationW: dilation.w, groups: groups)
        let output = Tensor(uninitializedShape: [geometry.batch, geometry.outChannels, geometry.outHeight, geometry.outWidth])
        Convolution.forward(input: pointer, weight: weight.pointer, bias: bias?.pointer,
                            output: output.pointer, geometry: geometry)
        let inputs = [self, weight] + (bias.map { [$0] } ?? [])
        return Tensor.recorded(output, inputs: inputs) { [self] g in
            convolutionGradients(weight: weight, bias: bias, upstream: g,
                                 backwardInput: { Convolution.backwardInput(outputGrad: g.pointer, weight: weight.pointer,
                                                                            inputGrad: $0, geometry: geometry) },
                                 backwardWeight: { Convolution.backwardWeight(input: pointer, outputGrad: g.pointer, weightGrad: $0,
                                                                              biasGrad: $1, geometry: geometry) })
        }
    }

    /// 2-D transposed convolution of NCHW input (`F.conv_transpose2d`): weight
    /// `(in, out/groups, kH, kW)`, optional bias `(out)`.
    public func convTranspose2d(weight: Tensor, bias: Tensor? = nil, stride: Size2D = 1, padding: Size2D = 0,
                                outputPadding: Size2D = 0, dilation: Size2D = 1, groups: Int = 1) -> Tensor {
        precondition(rank == 4 && weight.rank == 4 && weight.shape[0] == shape[1],
                     "convTranspose2d needs NCHW input and a weight whose first extent is \(shape[1])")
        let outChannels = weight.shape[1] * groups
        precondition(bias.map { $0.shape == [outChannels] } ?? true, "convTranspose2d bias must have shape [\(outChannels)]")
        let geometry = ConvTranspose2DGeometry(
            batch: shape[0], inChannels: shape[1], inHeight: shape[2], inWidth: shape[3],
            outChannels: outChannels, kernelHeight: weight.shape[2], kernelWidth: weight.shape[3],
            strideH: stride.h, strideW: stride.w, padH: padding.h, padW: padding.w,
            outputPaddingH: outputPadding.h, outputPaddingW: outputPadding.w,
            dilationH: dilation.h, dilationW: dilation.w, groups: groups)
        let output = Tensor(uninitializedShape: [geometry.batch, outChannels, geometry.outHeight, geometry.outWidth])
        ConvolutionTranspose.forward(input: pointer, weight: weight.pointer, bias: bias?.pointer,
                                     output: output.pointer, geometry: geometry)
        let inputs = [self, weight] + (bias.map { [$0] } ?? [])
        return Tensor.recorded(output, inputs: inputs) { [self] g in
            convolutionGradients(weight: weight, bias: bias, upstream: g,
                                 backwardInput: { ConvolutionTranspose.backwardInput(outputGrad: g.pointer, weight: weight.pointer,
                                                                                     inputGrad: $0, geometry: geometry) },
                                 backwardWeight: { ConvolutionTranspose.backwardWeight(input: pointer, outputGrad: g.pointer,
                                                                                       weightGrad: $0, biasGrad: $1,
                                                                                       geometry: geometry) })
        }
    }

    /// `conv2d` with `groups == C`, stride 1 and padding k/2 on channels-last input (N, H, W, C),
    /// giving (N, H, W, C): equal, bit for bit, to permuting to NCHW, `conv2d` and permuting
    /// back, without the two copies. `weight` is (C, 1, k, k) with k odd. Inference only: it
    /// records no gradient, so it traps when one is wanted (permute and use `conv2d` when training).
    public func depthwiseConv2dChannelsLast(weight: Tensor, bias: Tensor?) -> Tensor {
        let channels = shape.last ?? 0, kernel = weight.shape.last ?? 0
        precondition(rank == 4 && weight.shape == [channels, 1, kernel, kernel] && kernel % 2 == 1
                     && (bias.map { $0.shape == [channels] } ?? true),
                     "depthwiseConv2dChannelsLast: weight \(weight.shape) does not fit input \(shape) (NHWC, odd kernel)")
        precondition(!GradMode.isEnabled || ![self, weight, bias].contains(where: { $0?.requiresGrad == true }),
                     "depthwiseConv2dChannelsLast has no gradient; permute and use conv2d when training")
        let output = Tensor(uninitializedShape: shape)
        DepthwiseConvolution.forwardChannelsLast(
            input: pointer, weight: weight.pointer, bias: bias?.pointer, output: output.pointer,
            shape: .init(batch: shape[0], height: shape[1], width: shape[2], channels: channels, kernel: kernel))
        return output
    }

    /// MobileNetV2's inverted residual with exact GELU after each step, as TinyViT's MBConv
    /// computes it: `GELU(x + project(GELU(depthwise(GELU(expand(x))))))`, with weights in
    /// `Conv2d` layout: `expand` (hidden, C, 1, 1), `depthwise` (hidden, 1, k, k) with padding
    /// k/2, `project` (out, hidden, 1, 1), each with a bias. With `residual` false it is
    /// `project(GELU(depthwise(GELU(expand(x)))))`, as TinyViT's patch merging, and the depthwise
    /// convolution may have a `stride`. Inference only: it records no gradient, so it traps when
    /// one is wanted (compose `conv2d` and `gelu` for training).
    public func invertedResidualGELU(expand: (weight: Tensor, bias: Tensor), depthwise: (weight: Tensor, bias: Tensor),
                                     project: (weight: Tensor, bias: Tensor), stride: Int = 1, residual: Bool = true) -> Tensor {
        let hidden = expand.weight.shape[0], kernel = depthwise.weight.shape.last ?? 0, out = project.weight.shape[0]
        precondition(rank == 4, "invertedResidualGELU needs NCHW input, got \(shape)")
        precondition(expand.weight.shape == [hidden, shape[1], 1, 1] && depthwise.weight.shape == [hidden, 1, kernel, kernel]
                     && project.weight.shape == [out, hidden, 1, 1]
                     && expand.bias.shape == [hidden] && depthwise.bias.shape == [hidden] && project.bias.shape == [out],
                     "invertedResidualGELU: weights \(expand.weight.shape), \(depthwise.weight.shape), \(project.weight.shape) do not fit \(shape)")
        precondition(stride >= 1 && (!residual || (stride == 1 && out == shape[1])),
                     "invertedResidualGELU: a residual needs stride 1 and \(shape[1]) channels out, got stride \(stride), \(out) out")
        precondition(!GradMode.isEnabled || ![self, expand.weight, expand.bias, depthwise.weight, depthwise.bias,
                                               project.weight, project.bias].contains(where: \.requiresGrad),
                     "invertedResidualGELU has no gradient; compose conv2d and gelu when training")
        let blockShape = InvertedResidual.Shape(batch: shape[0], channels: shape[1], hidden: hidden, height: shape[2], width: shape[3],
                                                kernel: kernel, stride: stride, outChannels: out, residual: residual)
        let output = Tensor(uninitializedShape: [shape[0], out, blockShape.outHeight, blockShape.outWidth])
        InvertedResidual.forward(
            input: pointer, output: output.pointer, expand: expand.weight.pointer, expandBias: expand.bias.pointer,
            depthwise: depthwise.weight.pointer, depthwiseBias: depthwise.bias.pointer,
            project: project.weight.pointer, projectBias: project.bias.pointer, shape: blockShape)
        return output
    }

    /// Gradients of a (transposed) convolution `self ⋆ weight + bias`, computing only those
    /// needed: `backwardInput` fills the input gradient, `backwardWeight` the weight and
    /// (when non-nil) bias gradients.
    private func convolutionGradients(
        weight: Tensor, bias: Tensor?, upstream g: Tensor,
        backwardInput: (UnsafeMutablePointer<Float>) -> Void,
        backwardWeight: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>?) -> Void
    ) -> [Tensor?] {
        var inputGrad: Tensor?
        if requiresGrad {
            let grad = Tensor(uninitializedShape: shape)
            backwardInput(grad.pointer)
            inputGrad = grad
        }
        var weightGrad: Tensor?, biasGrad: Tensor?
        if weight.requiresGrad || bias?.requiresGrad == true {
            weightGrad = Tensor(uninitializedShape: weight.shape)
            biasGrad = bias.map { Tensor(uninitializedShape: $0.shape) }
            backwardWeight(weightGrad!.pointer, biasGrad?.pointer)
        }
        return bias == nil ? [inputGrad, weightGrad] : [inputGrad, weightGrad, biasGrad]
    }
}
