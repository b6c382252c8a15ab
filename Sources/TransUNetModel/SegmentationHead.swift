import NN
import Tensor

/// The final 3×3 convolution with bias to class logits (`segmentation_head.0`; the original's
/// second element is an identity upsampling).
public final class SegmentationHead: ExplicitlyNamedChildren {
    /// The convolution (`.0`).
    public let conv: Conv2d

    /// A head from `inChannels` features to `classes` logits.
    public init(inChannels: Int, classes: Int, generator: inout SeededGenerator) {
        conv = Conv2d(inChannels: inChannels, outChannels: classes, kernelSize: 3, padding: 1, generator: &generator)
    }

    /// The children under their PyTorch names.
    public var namedChildren: [(name: String, value: Any)] { [("0", conv)] }

    /// Class logits for NCHW features.
    public func callAsFunction(_ x: Tensor) -> Tensor { conv(x) }
}
