/// The shape of a TinyViT image encoder as MedSAM's LiteMedSAM (and MobileSAM before it) uses
/// it: a convolutional stage of MBConv blocks, then windowed-attention stages, then SAM's
/// conv/LayerNorm2d neck to a 256-channel embedding.
///
/// Lists run over stages; stage 0 is convolutional, so the attention settings (`numHeads`,
/// `windowSizes`) list the later stages only (the official lists' first entries are unused).
/// The input side is not part of it: `SAMConfig` holds it for every encoder family.
public struct TinyViTConfig: Sendable, Equatable, Codable {
    /// Channels of each stage.
    public var embedDims: [Int]
    /// Blocks in each stage.
    public var depths: [Int]
    /// Attention heads of each attention stage (stages 1…).
    public var numHeads: [Int]
    /// Side of the square attention windows of each attention stage (stages 1…).
    public var windowSizes: [Int]
    /// Hidden width of the attention blocks' MLP, as a multiple of the stage's channels.
    public var mlpRatio: Int
    /// Hidden width of the MBConv blocks, as a multiple of stage 0's channels.
    public var mbconvExpandRatio: Int
    /// Kernel side of the depthwise convolution between attention and MLP.
    public var localConvSize: Int
    /// Stride of the `PatchMerging` at the end of each stage but the last.
    public var mergeStrides: [Int]

    /// A config from its parts; the lists must agree in length (see the properties).
    public init(embedDims: [Int], depths: [Int], numHeads: [Int], windowSizes: [Int],
                mlpRatio: Int = 4, mbconvExpandRatio: Int = 4, localConvSize: Int = 3, mergeStrides: [Int]) {
        self.embedDims = embedDims
        self.depths = depths
        self.numHeads = numHeads
        self.windowSizes = windowSizes
        self.mlpRatio = mlpRatio
        self.mbconvExpandRatio = mbconvExpandRatio
        self.localConvSize = localConvSize
        self.mergeStrides = mergeStrides
    }

    /// LiteMedSAM's encoder (`lite_medsam.pth`): at its 256² input, stage grids 256², 128²,
    /// 64², 64² and a 256×64×64 embedding.
    public static let liteMedSAM = TinyViTConfig(
        embedDims: [64, 128, 160, 320], depths: [2, 2, 6, 2], numHeads: [4, 5, 10],
        windowSizes: [7, 14, 7], mergeStrides: TinyViTConfig.officialMergeStrides([64, 128, 160, 320]))

    /// The official code's `PatchMerging` strides: 1 where the merged width is 320, 448 or 576
    /// (so the last stages stay at the embedding's grid), else 2.
    public static func officialMergeStrides(_ embedDims: [Int]) -> [Int] {
        embedDims.dropFirst().map { [320, 448, 576].contains($0) ? 1 : 2 }
    }

    /// Number of stages.
    public var stageCount: Int { embedDims.count }

    /// The token grid side each stage runs at for `imageSize`² inputs: the input side (the
    /// patch embedding keeps it), then each merge's 3×3, padding-1 convolution output.
    public func stageGrids(imageSize: Int) -> [Int] {
        mergeStrides.reduce(into: [imageSize]) { grids, stride in grids.append((grids.last! - 1) / stride + 1) }
    }

    /// What is inconsistent about the config, or nil when a model can be built from it.
    public var problem: String? {
        let stages = stageCount
        if stages < 2 { return "TinyViT needs a convolutional stage and at least one attention stage" }
        if depths.count != stages || numHeads.count != stages - 1 || windowSizes.count != stages - 1
            || mergeStrides.count != stages - 1 {
            return "per-stage lists disagree: \(stages) embed dims, \(depths.count) depths, \(numHeads.count) head counts "
                + "and \(windowSizes.count) window sizes for \(stages - 1) attention stages, \(mergeStrides.count) merge strides"
        }
        if let bad = zip(embedDims.dropFirst(), numHeads).first(where: { $0.1 <= 0 || $0.0 % $0.1 != 0 }) {
            return "\(bad.0) channels do not split into \(bad.1) heads"
        }
        let positive = [mlpRatio, mbconvExpandRatio, localConvSize] + embedDims + depths + windowSizes + mergeStrides
        if positive.contains(where: { $0 <= 0 }) { return "widths, ratios, depths, windows and strides must be positive" }
        if localConvSize % 2 == 0 { return "the local convolution needs an odd kernel side, not \(localConvSize)" }
        return nil
    }
}
