import NN
import Tensor

/// BiT's weight-standardised convolution: on every forward pass each output filter is
/// shifted to zero mean and scaled to unit (biased) variance, with eps 1e-5, before convolving.
///
/// Only the ResNet backbone uses it; the patch embedding and decoder convolutions are plain.
public final class StdConv2d: Module {
    /// Filters (out, in, kH, kW), standardised on use.
    public let weight: Parameter
    /// Optional bias (out); the backbone never uses one.
    public let bias: Parameter?
    /// Convolution stride.
    public let stride: Size2D
    /// Zero padding.
    public let padding: Size2D
    /// Added to the variance before the square root, as the original's `1e-5`.
    public static let eps: Float = 1e-5

    /// A standardised convolution with PyTorch's default initialisation.
    public init(inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                bias: Bool = false, generator: inout SeededGenerator) {
        let fanIn = inChannels * kernelSize * kernelSize
        weight = Parameter(Initialization.defaultWeight([outChannels, inChannels, kernelSize, kernelSize],
                                                        fanIn: fanIn, generator: &generator))
        self.bias = bias ? Parameter(Initialization.defaultBias(outChannels, fanIn: fanIn, generator: &generator)) : nil
        self.stride = Size2D(stride, stride)
        self.padding = Size2D(padding, padding)
    }

    /// The filters as the convolution uses them (differentiable with respect to `weight`).
    public func standardizedWeight() -> Tensor {
        let w = weight.value
        let mean = w.mean(axes: [1, 2, 3], keepDims: true)
        let centered = w - mean
        let variance = centered.squared().mean(axes: [1, 2, 3], keepDims: true)
        return centered * (variance + Self.eps).rsqrt()
    }

    /// Convolves `x` (NCHW) with the standardised filters.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        x.conv2d(weight: standardizedWeight(), bias: bias?.value, stride: stride, padding: padding)
    }
}
