import NN
import Tensor

extension TinyViT {
    /// TinyViT's `Conv2d_BN`, a PyTorch `Sequential` with children `c` (a bias-free
    /// convolution) and `bn`; the batch norm runs on batch statistics in training mode, so the
    /// encoder can be fine-tuned.
    public final class Conv2dBN: Sequential {
        /// A `kernel`×`kernel` convolution with `stride`, padding `kernel / 2` and `groups`,
        /// then batch norm whose scale starts at `bnWeightInit` (0 makes a residual branch
        /// start as nothing, as the official MBConv does for its last convolution).
        public init(_ inChannels: Int, _ outChannels: Int, kernel: Int = 1, stride: Int = 1, groups: Int = 1,
                    bnWeightInit: Float = 1, generator: inout SeededGenerator) {
            let bn = BatchNorm2d(outChannels)
            bn.weight.value = .full([outChannels], bnWeightInit)
            super.init(named: [
                (name: "c", layer: Conv2d(inChannels: inChannels, outChannels: outChannels,
                                          kernelSize: Size2D(kernel, kernel), stride: Size2D(stride, stride),
                                          padding: Size2D(kernel / 2, kernel / 2), groups: groups, bias: false,
                                          generator: &generator)),
                (name: "bn", layer: bn),
            ])
        }
    }
}
