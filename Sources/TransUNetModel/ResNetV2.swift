import NN
import Tensor

/// The hybrid backbone's stem: standardised 7×7 stride-2 conv, GroupNorm(32, eps 1e-6), ReLU.
public final class ResNetRoot: Module {
    /// The convolution.
    public let conv: StdConv2d
    /// GroupNorm(32, eps 1e-6) after the stem convolution.
    public let gn: GroupNorm

    /// A stem producing `width` channels from RGB.
    public init(width: Int, generator: inout SeededGenerator) {
        conv = StdConv2d(inChannels: 3, outChannels: width, kernelSize: 7, stride: 2, padding: 3, generator: &generator)
        gn = GroupNorm(groups: 32, channels: width, eps: 1e-6)
    }

    /// Applies the stem (the max-pool follows separately, after the first skip is taken).
    public func callAsFunction(_ x: Tensor) -> Tensor {
        gn(conv(x)).relu()
    }
}

/// One stage of bottleneck units, a PyTorch `Sequential(OrderedDict(...))` whose children are
/// named `unit1`, `unit2`, … as in the checkpoints.
public final class ResNetStage: Sequential {
    /// A stage of `count` units; the first maps `inChannels` to `outChannels` with `stride`.
    public init(count: Int, inChannels: Int, outChannels: Int, midChannels: Int, stride: Int,
                generator: inout SeededGenerator) {
        var units: [(name: String, layer: any Layer)] = []
        for index in 0..<count {
            units.append((name: "unit\(index + 1)",
                          layer: PreActBottleneck(inChannels: index == 0 ? inChannels : outChannels,
                                                  outChannels: outChannels, midChannels: midChannels,
                                                  stride: index == 0 ? stride : 1, generator: &generator)))
        }
        super.init(named: units)
    }
}

/// The three stages of the backbone (`body.block1` … `body.block3`).
public final class ResNetBody: Module {
    /// Stage 1: 4× the root width, stride 1.
    public let block1: ResNetStage
    /// Stage 2: 8× the root width, stride 2.
    public let block2: ResNetStage
    /// Stage 3: 16× the root width, stride 2.
    public let block3: ResNetStage

    /// Stages for `config`, at 4×, 8× and 16× the root width.
    public init(_ config: ResNetConfig, generator: inout SeededGenerator) {
        let width = config.width, units = config.unitsPerStage
        block1 = ResNetStage(count: units[0], inChannels: width, outChannels: width * 4, midChannels: width,
                             stride: 1, generator: &generator)
        block2 = ResNetStage(count: units[1], inChannels: width * 4, outChannels: width * 8, midChannels: width * 2,
                             stride: 2, generator: &generator)
        block3 = ResNetStage(count: units[2], inChannels: width * 8, outChannels: width * 16, midChannels: width * 4,
                             stride: 2, generator: &generator)
    }
}

/// The ResNet-v2 backbone of the hybrid encoder (`hybrid_model`), returning the 1/16 feature
/// map and the three skip features.
public final class ResNetV2: Module {
    /// The stem (7×7 conv, GroupNorm, ReLU).
    public let root: ResNetRoot
    /// The three bottleneck stages.
    public let body: ResNetBody

    /// A backbone for `config`.
    public init(_ config: ResNetConfig, generator: inout SeededGenerator) {
        root = ResNetRoot(width: config.width, generator: &generator)
        body = ResNetBody(config, generator: &generator)
    }

    /// The last stage's output and the skip features in decoder order (block2, block1, root).
    ///
    /// As in the original, the max-pool has no padding (112 → 55 at 224²), and a stage output
    /// smaller than `input/4/(i+1)` is zero-padded bottom/right for its skip while the next
    /// stage consumes the unpadded map.
    public func callAsFunction(_ x: Tensor) -> (output: Tensor, features: [Tensor]) {
        let inputSize = x.shape[2]
        var features: [Tensor] = []
        var y = root(x)
        features.append(y)
        y = y.maxPool2d(kernel: 3, stride: 2, padding: 0)
        for (index, stage) in [body.block1, body.block2].enumerated() {
            y = stage(y)
            let rightSize = inputSize / 4 / (index + 1)
            let padH = rightSize - y.shape[2], padW = rightSize - y.shape[3]
            precondition((0..<3).contains(padH) && (0..<3).contains(padW),
                         "ResNetV2: stage \(index + 1) output \(y.shape) does not fit the expected \(rightSize)")
            features.append(padH == 0 && padW == 0 ? y : y.padded([0, padW, 0, padH]))
        }
        y = body.block3(y)
        return (y, features.reversed())
    }
}
