import Tensor

/// `nn.Conv2d` with `weight` (out, in/groups, kH, kW) and optional `bias` (out).
public final class Conv2d: Layer {
    public let weight: Parameter
    public let bias: Parameter?
    public let stride: Size2D
    public let padding: Size2D
    public let dilation: Size2D
    public let groups: Int

    public init(inChannels: Int, outChannels: Int, kernelSize: Size2D, stride: Size2D = 1, padding: Size2D = 0,
                dilation: Size2D = 1, groups: Int = 1, bias: Bool = true, generator: inout SeededGenerator) {
        precondition(inChannels % groups == 0 && outChannels % groups == 0, "Conv2d: channels must divide by groups")
        let fanIn = inChannels / groups * kernelSize.h * kernelSize.w
        weight = Parameter(Initialization.defaultWeight([outChannels, inChannels / groups, kernelSize.h, kernelSize.w],
                                                        fanIn: fanIn, generator: &generator))
        self.bias = bias ? Parameter(Initialization.defaultBias(outChannels, fanIn: fanIn, generator: &generator)) : nil
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        x.conv2d(weight: weight.value, bias: bias?.value, stride: stride, padding: padding,
                 dilation: dilation, groups: groups)
    }
}

/// `nn.ConvTranspose2d` with `weight` (in, out/groups, kH, kW) and optional `bias` (out).
public final class ConvTranspose2d: Layer {
    public let weight: Parameter
    public let bias: Parameter?
    public let stride: Size2D
    public let padding: Size2D
    public let outputPadding: Size2D
    public let groups: Int

    public init(inChannels: Int, outChannels: Int, kernelSize: Size2D, stride: Size2D = 1, padding: Size2D = 0,
                outputPadding: Size2D = 0, groups: Int = 1, bias: Bool = true, generator: inout SeededGenerator) {
        // PyTorch computes the fan-in of a transposed convolution from weight.size(1).
        let fanIn = outChannels / groups * kernelSize.h * kernelSize.w
        weight = Parameter(Initialization.defaultWeight([inChannels, outChannels / groups, kernelSize.h, kernelSize.w],
                                                        fanIn: fanIn, generator: &generator))
        self.bias = bias ? Parameter(Initialization.defaultBias(outChannels, fanIn: fanIn, generator: &generator)) : nil
        self.stride = stride
        self.padding = padding
        self.outputPadding = outputPadding
        self.groups = groups
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        x.convTranspose2d(weight: weight.value, bias: bias?.value, stride: stride, padding: padding,
                          outputPadding: outputPadding, groups: groups)
    }
}
