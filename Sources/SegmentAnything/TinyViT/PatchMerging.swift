import NN
import Tensor

extension TinyViT {
    /// The transition between stages: 1×1 to the next width, GELU, 3×3 depthwise with the
    /// stage's stride, GELU, 1×1. NCHW in and out (the official module returns the same
    /// values flattened to tokens).
    public final class PatchMerging: Layer {
        public let conv1: Conv2dBN
        public let conv2: Conv2dBN
        public let conv3: Conv2dBN

        /// A merge from `inChannels` to `outChannels`, striding by `stride`.
        public init(inChannels: Int, outChannels: Int, stride: Int, generator: inout SeededGenerator) {
            conv1 = Conv2dBN(inChannels, outChannels, generator: &generator)
            conv2 = Conv2dBN(outChannels, outChannels, kernel: 3, stride: stride, groups: outChannels, generator: &generator)
            conv3 = Conv2dBN(outChannels, outChannels, generator: &generator)
        }

        public func callAsFunction(_ x: Tensor) -> Tensor {
            // At inference the three convolutions run fused, band by band, as MBConv's do.
            if let expand = conv1.folded, let depthwise = conv2.folded, let project = conv3.folded {
                return x.invertedResidualGELU(expand: expand, depthwise: depthwise, project: project,
                                              stride: conv2.conv.stride.h, residual: false)
            }
            return conv3(conv2(conv1(x).gelu()).gelu())
        }
    }
}
