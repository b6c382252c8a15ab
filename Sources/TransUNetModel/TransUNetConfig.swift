/// The ResNet-v2 (BiT) backbone of a hybrid TransUNet: units per stage and width multiplier.
public struct ResNetConfig: Sendable, Equatable, Codable {
    /// Bottleneck units in each of the three stages (`resnet.num_layers`).
    public var unitsPerStage: [Int]
    /// Multiplier of the base width 64 (`resnet.width_factor`).
    public var widthFactor: Double

    /// A backbone with `unitsPerStage` units per stage at `widthFactor` × the base width.
    public init(unitsPerStage: [Int], widthFactor: Double) {
        self.unitsPerStage = unitsPerStage
        self.widthFactor = widthFactor
    }

    /// Channels after the root convolution, `int(64 * width_factor)` as the original computes it.
    public var width: Int { Int(64 * widthFactor) }
}

/// A TransUNet configuration, mirroring the original `vit_seg_configs` entries after
/// `train.py` has set the patch grid and `n_skip`.
///
/// `skipChannels` holds the channels of the skip features actually fed to the decoder blocks:
/// the original's `DecoderCup` zeroes the entries beyond `n_skip` in place, and that zeroed
/// list is what is stored here. The presets (`r50ViTB16`, `cpuTiny`, ...) are listed by name in
/// `TransUNet.presets`.
public struct TransUNetConfig: Sendable, Equatable, Codable {
    /// Side of the square input in pixels; a multiple of 16.
    public var imageSize: Int
    /// Transformer width.
    public var hiddenSize: Int
    /// Transformer layers.
    public var numLayers: Int
    /// Attention heads per layer.
    public var numHeads: Int
    /// Hidden width of each transformer MLP.
    public var mlpDim: Int
    /// The ResNet backbone; nil for a pure ViT with 16×16 patches.
    public var resnet: ResNetConfig?
    /// Output channels of the four decoder blocks.
    public var decoderChannels: [Int]
    /// Skip channels entering the four decoder blocks (0 = no skip).
    public var skipChannels: [Int]
    /// Number of skip connections used (`n_skip`).
    public var nSkip: Int
    /// Segmentation classes.
    public var nClasses: Int

    /// A configuration from its parts; `skipChannels` defaults to the backbone's stage widths
    /// with the entries beyond `nSkip` zeroed, as the original decoder does.
    public init(imageSize: Int = 224, hiddenSize: Int, numLayers: Int, numHeads: Int, mlpDim: Int,
                resnet: ResNetConfig?, decoderChannels: [Int] = [256, 128, 64, 16],
                skipChannels: [Int]? = nil, nSkip: Int? = nil, nClasses: Int = 2) {
        self.imageSize = imageSize
        self.hiddenSize = hiddenSize
        self.numLayers = numLayers
        self.numHeads = numHeads
        self.mlpDim = mlpDim
        self.resnet = resnet
        self.decoderChannels = decoderChannels
        let skips = nSkip ?? (resnet == nil ? 0 : 3)
        self.nSkip = skips
        let available = resnet.map { [$0.width * 8, $0.width * 4, $0.width, 0] } ?? [0, 0, 0, 0]
        self.skipChannels = (skipChannels ?? available).enumerated().map { $0.offset < skips ? $0.element : 0 }
        self.nClasses = nClasses
    }

    /// Channels out of `conv_more` (the original's fixed `head_channels`).
    public static let headChannels = 512

    /// Side of the token grid: 14 at 224², since the hybrid's patch is 1 on the 1/16 feature map
    /// and the pure ViT's patch is 16 pixels.
    public var gridSize: Int { imageSize / 16 }

    /// Channels reaching the patch embedding: the backbone's last stage, or RGB.
    public var patchInputChannels: Int { resnet.map { $0.width * 16 } ?? 3 }

    /// Patch side on the patch embedding's input.
    public var patchSize: Int { resnet == nil ? 16 : 1 }

    /// Checks the combination is one the model can be built for, naming what is wrong.
    public func validate() throws {
        var problems: [String] = []
        if imageSize <= 0 || imageSize % 16 != 0 { problems.append("image size \(imageSize) is not a positive multiple of 16") }
        if numHeads <= 0 || hiddenSize % numHeads != 0 { problems.append("hidden size \(hiddenSize) does not split into \(numHeads) heads") }
        if decoderChannels.count != 4 || skipChannels.count != 4 { problems.append("the decoder needs 4 block and 4 skip channel counts") }
        if !(0...3).contains(nSkip) { problems.append("n_skip \(nSkip) is not in 0...3") }
        if let resnet {
            if resnet.unitsPerStage.count != 3 || resnet.unitsPerStage.contains(where: { $0 < 1 }) {
                problems.append("the ResNet needs 3 stages of at least one unit")
            }
            if resnet.width < 32 || resnet.width % 32 != 0 { problems.append("ResNet width \(resnet.width) does not split into 32 groups") }
        } else if nSkip > 0 {
            problems.append("a pure ViT has no skip features (n_skip must be 0)")
        }
        if !problems.isEmpty { throw TransUNetConfigError(problems.joined(separator: "; ")) }
    }
}

/// A configuration the model cannot be built for.
public struct TransUNetConfigError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What is wrong.
    public let description: String

    init(_ description: String) { self.description = description }
}

extension TransUNetConfig {
    /// `R50-ViT-B_16`, the paper's model: ResNet-50 stages (3, 4, 9) and ViT-Base.
    public static var r50ViTB16: TransUNetConfig {
        TransUNetConfig(hiddenSize: 768, numLayers: 12, numHeads: 12, mlpDim: 3072,
                        resnet: ResNetConfig(unitsPerStage: [3, 4, 9], widthFactor: 1))
    }

    /// `R50-ViT-L_16`: the same backbone with ViT-Large.
    public static var r50ViTL16: TransUNetConfig {
        TransUNetConfig(hiddenSize: 1024, numLayers: 24, numHeads: 16, mlpDim: 4096,
                        resnet: ResNetConfig(unitsPerStage: [3, 4, 9], widthFactor: 1))
    }

    /// `ViT-B_16`: no backbone, 16×16 pixel patches, no skip connections.
    public static var viTB16: TransUNetConfig {
        TransUNetConfig(hiddenSize: 768, numLayers: 12, numHeads: 12, mlpDim: 3072, resnet: nil)
    }

    /// CPU preset for training on this machine: ResNet-50 at half width, one unit per stage,
    /// a 4-layer 256-wide transformer.
    public static var cpuSmall: TransUNetConfig {
        TransUNetConfig(hiddenSize: 256, numLayers: 4, numHeads: 4, mlpDim: 512,
                        resnet: ResNetConfig(unitsPerStage: [1, 2, 2], widthFactor: 0.5))
    }

    /// The smallest CPU preset (the shape of the `transunet_mini` reference fixture): half-width
    /// backbone with one unit per stage, a 2-layer 64-wide transformer.
    public static var cpuTiny: TransUNetConfig {
        TransUNetConfig(hiddenSize: 64, numLayers: 2, numHeads: 2, mlpDim: 128,
                        resnet: ResNetConfig(unitsPerStage: [1, 1, 1], widthFactor: 0.5))
    }

    /// The same configuration at another input size.
    public func withImageSize(_ size: Int) -> TransUNetConfig {
        var copy = self
        copy.imageSize = size
        return copy
    }
}

extension TransUNetConfig: CustomStringConvertible {
    /// A one-line summary for messages: backbone, transformer size, input size.
    public var description: String {
        let backbone = resnet.map { "R50-style \($0.unitsPerStage) ×\($0.widthFactor)" } ?? "no backbone"
        return "TransUNet(\(backbone), hidden \(hiddenSize), \(numLayers) layers, \(numHeads) heads, mlp \(mlpDim), \(imageSize)²)"
    }
}
