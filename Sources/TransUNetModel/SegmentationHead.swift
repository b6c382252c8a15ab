import NN
import Tensor

/// The final 3×3 convolution with bias to class logits, a PyTorch `Sequential` keyed
/// `segmentation_head.0`; the original's second element, an identity upsampling with no
/// keys, is left out.
public final class SegmentationHead: Sequential {
    /// A head from `inChannels` features to `classes` logits.
    public init(inChannels: Int, classes: Int, generator: inout SeededGenerator) {
        super.init([Conv2d(inChannels: inChannels, outChannels: classes, kernelSize: 3, padding: 1, generator: &generator)])
    }
}
