import NN
import Tensor

/// TinyViT as LiteMedSAM's image encoder (`tiny_vit_sam.TinyViT`): a patch embedding that keeps
/// the input grid, a convolutional stage, attention stages with merges between them, and SAM's
/// neck to a 256-channel embedding. (B, 3, S, S) normalised images → (B, 256, E, E); for
/// LiteMedSAM S = 256 and E = 64 (`SAMConfig.liteMedSAM`).
///
/// Property names are the official ones, so the `image_encoder.*` keys of `lite_medsam.pth`
/// (prefix removed) load strictly. Built from differentiable tensor ops throughout, and its batch
/// norms follow `setTraining`, so it can be fine-tuned; LoRA goes on each `attn.qkv`.
public final class TinyViT: Module {
    public let patch_embed: PatchEmbed
    /// The stages in order: a `ConvLayer`, then `BasicLayer`s (PyTorch's `layers` ModuleList).
    public let layers: Sequential
    /// `nn.Sequential(conv1x1, LayerNorm2d, conv3x3, LayerNorm2d)`, keyed `neck.0` … `neck.3`.
    public let neck: Sequential
    /// The encoder's shape.
    public let config: TinyViTConfig
    /// Side of the square input it takes.
    public let imageSize: Int

    /// An encoder of `config`'s shape for `imageSize`² inputs with fresh weights: PyTorch's
    /// layer defaults, batch norms at identity statistics, attention biases zero. Load a
    /// checkpoint to use it.
    public init(config: TinyViTConfig, imageSize: Int, generator: inout SeededGenerator) {
        if let problem = config.problem { preconditionFailure("TinyViT config: \(problem)") }
        precondition(imageSize > 0, "TinyViT needs a positive input side, not \(imageSize)")
        self.config = config
        self.imageSize = imageSize
        let dims = config.embedDims
        patch_embed = PatchEmbed(inChannels: 3, embedDim: dims[0], generator: &generator)
        var stages: [any Layer] = []
        for stage in 0..<config.stageCount {
            let merge = stage + 1 < config.stageCount ? (outChannels: dims[stage + 1], stride: config.mergeStrides[stage]) : nil
            if stage == 0 {
                stages.append(ConvLayer(channels: dims[0], depth: config.depths[0], expandRatio: config.mbconvExpandRatio,
                                        merge: merge, generator: &generator))
            } else {
                stages.append(BasicLayer(dim: dims[stage], depth: config.depths[stage], numHeads: config.numHeads[stage - 1],
                                         windowSize: config.windowSizes[stage - 1], mlpRatio: config.mlpRatio,
                                         localConvSize: config.localConvSize, merge: merge, generator: &generator))
            }
        }
        layers = Sequential(stages)
        neck = Self.neck(from: dims.last!, generator: &generator)
    }

    /// (B, 3, S, S) normalised images → (B, 256, E, E) embeddings.
    public func callAsFunction(_ images: Tensor) -> Tensor {
        precondition(images.rank == 4 && images.shape[1] == 3 && images.shape[2] == imageSize && images.shape[3] == imageSize,
                     "TinyViT takes (B, 3, \(imageSize), \(imageSize)) images, got \(images.shape)")
        return neck(layers(patch_embed(images)))
    }
}

extension TinyViT {
    /// LiteMedSAM's patch embedding (`seq`: two 1×1 `Conv2d_BN` with GELU between), which keeps
    /// the input grid, unlike MobileSAM's two stride-2 3×3 convolutions.
    public final class PatchEmbed: Layer {
        public let seq: Sequential

        /// An embedding of `inChannels` to `embedDim` channels through `embedDim / 2`.
        public init(inChannels: Int, embedDim: Int, generator: inout SeededGenerator) {
            seq = Sequential([
                Conv2dBN(inChannels, embedDim / 2, generator: &generator),
                GELU(),
                Conv2dBN(embedDim / 2, embedDim, generator: &generator),
            ])
        }

        public func callAsFunction(_ x: Tensor) -> Tensor { seq(x) }
    }
}
