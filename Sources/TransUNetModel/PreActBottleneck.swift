import NN
import Tensor

/// One ResNet-v2 bottleneck unit as TransUNet defines it (despite the "pre-activation" name,
/// normalisation follows each convolution): 1×1 → 3×3 (carrying the stride) → 1×1, each
/// weight-standardised and group-normalised, then `relu(residual + y)`.
///
/// The residual is projected (`downsample` + `gn_proj`) when the stride or width changes.
public final class PreActBottleneck: Layer {
    /// GroupNorm after conv1 (32 groups, eps 1e-6).
    public let gn1: GroupNorm
    /// 1×1 reduction to the bottleneck width.
    public let conv1: StdConv2d
    /// GroupNorm after conv2.
    public let gn2: GroupNorm
    /// 3×3 convolution carrying the unit's stride.
    public let conv2: StdConv2d
    /// GroupNorm after conv3.
    public let gn3: GroupNorm
    /// 1×1 expansion to the output width.
    public let conv3: StdConv2d
    /// Residual projection (1×1, strided) when stride or width changes.
    public let downsample: StdConv2d?
    /// GroupNorm of the projected residual (one group per channel, eps 1e-5).
    public let gn_proj: GroupNorm?

    /// A unit from `inChannels` to `outChannels` through `midChannels`, striding in the 3×3 conv.
    public init(inChannels: Int, outChannels: Int, midChannels: Int, stride: Int, generator: inout SeededGenerator) {
        // The body's norms use eps 1e-6; gn_proj keeps GroupNorm's default 1e-5 with one group per channel.
        gn1 = GroupNorm(groups: 32, channels: midChannels, eps: 1e-6)
        conv1 = StdConv2d(inChannels: inChannels, outChannels: midChannels, kernelSize: 1, generator: &generator)
        gn2 = GroupNorm(groups: 32, channels: midChannels, eps: 1e-6)
        conv2 = StdConv2d(inChannels: midChannels, outChannels: midChannels, kernelSize: 3, stride: stride,
                          padding: 1, generator: &generator)
        gn3 = GroupNorm(groups: 32, channels: outChannels, eps: 1e-6)
        conv3 = StdConv2d(inChannels: midChannels, outChannels: outChannels, kernelSize: 1, generator: &generator)
        if stride != 1 || inChannels != outChannels {
            downsample = StdConv2d(inChannels: inChannels, outChannels: outChannels, kernelSize: 1, stride: stride,
                                   generator: &generator)
            gn_proj = GroupNorm(groups: outChannels, channels: outChannels, eps: 1e-5)
        } else {
            downsample = nil
            gn_proj = nil
        }
    }

    /// Applies the unit to NCHW features.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        var residual = x
        if let downsample, let gn_proj { residual = gn_proj(downsample(x)) }
        var y = gn1(conv1(x)).relu()
        y = gn2(conv2(y)).relu()
        y = gn3(conv3(y))
        return (residual + y).relu()
    }
}
