import NN
import Tensor

extension TinyViT {
    /// The inverted-residual block of the convolutional stage: 1×1 expansion, 3×3 depthwise,
    /// 1×1 projection, each GELU-activated except the projection, whose output is added to the
    /// input before the last GELU. NCHW in and out.
    public final class MBConv: Layer {
        public let conv1: Conv2dBN
        public let conv2: Conv2dBN
        public let conv3: Conv2dBN

        /// A block over `channels` with `expandRatio`× as many hidden channels.
        public init(channels: Int, expandRatio: Int, generator: inout SeededGenerator) {
            let hidden = channels * expandRatio
            conv1 = Conv2dBN(channels, hidden, generator: &generator)
            conv2 = Conv2dBN(hidden, hidden, kernel: 3, groups: hidden, generator: &generator)
            conv3 = Conv2dBN(hidden, channels, bnWeightInit: 0, generator: &generator)
        }

        public func callAsFunction(_ x: Tensor) -> Tensor {
            // At inference the three convolutions run fused, band by band (see
            // `invertedResidualGELU`); the stem's full-resolution tensors made this stage
            // memory-bound otherwise.
            if let expand = conv1.folded, let depthwise = conv2.folded, let project = conv3.folded {
                return x.invertedResidualGELU(expand: expand, depthwise: depthwise, project: project)
            }
            let y = conv3(conv2(conv1(x).gelu()).gelu())
            return (y + x).gelu()
        }
    }
}
