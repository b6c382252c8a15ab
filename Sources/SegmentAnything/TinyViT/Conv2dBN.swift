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

        /// The convolution (`c`).
        public var conv: Conv2d { self[0] as! Conv2d }
        /// The batch norm (`bn`).
        public var bn: BatchNorm2d { self[1] as! BatchNorm2d }

        /// In inference (evaluation mode, no graph recorded) the batch norm is an affine map per
        /// output channel, so it is folded into the convolution's weights and bias: one pass over
        /// the output instead of the convolution then three elementwise passes. The fold is
        /// redone on every call rather than cached: it touches only the weights (at most 1/256 of
        /// the convolution's work at TinyViT's grids), and nothing can then go stale when the
        /// parameters or statistics change. Training and gradient-recording calls keep the
        /// separate layers, so batch statistics and gradients are exactly PyTorch's.
        public override func callAsFunction(_ x: Tensor) -> Tensor {
            guard let (weight, bias) = folded else { return super.callAsFunction(x) }
            let conv = conv
            return x.conv2d(weight: weight, bias: bias, stride: conv.stride, padding: conv.padding,
                            dilation: conv.dilation, groups: conv.groups)
        }

        /// The layer on channels-last (N, H, W, C) input, giving (N, H, W, C). In inference a
        /// depthwise "same" convolution (the blocks' `local_conv`) runs on the tokens as they
        /// are; otherwise, through channel-major and back.
        public func channelsLast(_ x: Tensor) -> Tensor {
            if let (weight, bias) = foldedChannelsLastDepthwise(channels: x.shape.last ?? 0) {
                return x.depthwiseConv2dChannelsLast(weight: weight, bias: bias)
            }
            return self(x.permuted(0, 3, 1, 2)).permuted(0, 2, 3, 1)
        }

        /// `folded` when the layer is a depthwise "same" convolution (odd square kernel, stride
        /// and dilation 1) over `channels`, which the channels-last kernels compute; else nil.
        public func foldedChannelsLastDepthwise(channels: Int) -> (weight: Tensor, bias: Tensor)? {
            let conv = conv
            guard let (weight, bias) = folded, weight.shape[1] == 1, conv.groups == weight.shape[0], channels == conv.groups,
                  conv.stride == 1, conv.dilation == 1, weight.shape[2] == weight.shape[3], weight.shape[2] % 2 == 1,
                  conv.padding == Size2D(weight.shape[2] / 2, weight.shape[2] / 2) else { return nil }
            return (weight, bias)
        }

        /// The convolution with the batch norm's inference statistics folded into its weight
        /// and bias; nil in training mode or while gradients are recorded, when the two must
        /// stay separate.
        public var folded: (weight: Tensor, bias: Tensor)? {
            let conv = conv, bn = bn
            guard !bn.isTraining, !GradMode.isEnabled else { return nil }
            let scale = bn.weight.value * (bn.running_var.value + bn.eps).rsqrt()
            // `c` has no bias of its own, so the folded bias is the batch norm's shift alone.
            return (conv.weight.value * scale.reshaped([-1, 1, 1, 1]), bn.bias.value - bn.running_mean.value * scale)
        }
    }
}
