import NN
import Tensor

/// One decoder stage: bilinear ×2 upsampling with aligned corners (`UpsamplingBilinear2d`),
/// concatenation with the skip feature (upsampled map first), then two `Conv2dReLU`s.
public final class DecoderBlock: Module {
    /// First conv-BN-ReLU, on the upsampled map joined with the skip.
    public let conv1: Conv2dReLU
    /// Second conv-BN-ReLU.
    public let conv2: Conv2dReLU

    /// A block taking `inChannels` plus `skipChannels` to `outChannels`.
    public init(inChannels: Int, outChannels: Int, skipChannels: Int, generator: inout SeededGenerator) {
        conv1 = Conv2dReLU(inChannels: inChannels + skipChannels, outChannels: outChannels, generator: &generator)
        conv2 = Conv2dReLU(inChannels: outChannels, outChannels: outChannels, generator: &generator)
    }

    /// Upsamples `x`, joins `skip` when given, and convolves.
    public func callAsFunction(_ x: Tensor, skip: Tensor?) -> Tensor {
        var y = x.interpolated(scaleFactor: 2, mode: .bilinear(alignCorners: true))
        if let skip { y = Tensor.concatenate([y, skip], axis: 1) }
        return conv2(conv1(y))
    }
}
