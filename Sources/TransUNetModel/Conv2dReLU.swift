import NN
import Tensor

/// The decoder's `Conv2dReLU`, a PyTorch `Sequential` (hence the keys `0` and `1`): a plain
/// 3×3 convolution without bias, BatchNorm (eps 1e-5, running statistics in evaluation), ReLU.
public final class Conv2dReLU: Sequential {
    /// A `kernel`×`kernel` convolution from `inChannels` to `outChannels` with `padding`.
    public init(inChannels: Int, outChannels: Int, kernel: Int = 3, padding: Int = 1, generator: inout SeededGenerator) {
        super.init([
            Conv2d(inChannels: inChannels, outChannels: outChannels, kernelSize: Size2D(kernel, kernel),
                   padding: Size2D(padding, padding), bias: false, generator: &generator),
            BatchNorm2d(outChannels),
            ReLU(),
        ])
    }
}
