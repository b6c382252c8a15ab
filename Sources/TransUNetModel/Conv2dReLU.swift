import NN
import Tensor

/// The decoder's `Conv2dReLU` (a PyTorch `Sequential`, hence the keys `0` and `1`): a plain
/// 3×3 convolution without bias, BatchNorm (eps 1e-5, running statistics in evaluation), ReLU.
public final class Conv2dReLU: ExplicitlyNamedChildren, TrainingModeSwitchable {
    /// The convolution (`.0`).
    public let conv: Conv2d
    /// The batch norm (`.1`).
    public let norm: BatchNorm2d

    /// A `kernel`×`kernel` convolution from `inChannels` to `outChannels` with `padding`.
    public init(inChannels: Int, outChannels: Int, kernel: Int = 3, padding: Int = 1, generator: inout SeededGenerator) {
        conv = Conv2d(inChannels: inChannels, outChannels: outChannels, kernelSize: Size2D(kernel, kernel),
                      padding: Size2D(padding, padding), bias: false, generator: &generator)
        norm = BatchNorm2d(outChannels)
    }

    /// The children under their PyTorch names.
    public var namedChildren: [(name: String, value: Any)] { [("0", conv), ("1", norm)] }

    /// Follows the batch norm's mode (the batch norm itself is switched by `setTraining` too).
    public var isTraining: Bool {
        get { norm.isTraining }
        set { norm.isTraining = newValue }
    }

    /// Applies conv → BN → ReLU.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        norm(conv(x)).relu()
    }
}
