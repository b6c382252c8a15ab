import NN
import Tensor

/// `PatchEmbed`: a p×p convolution of stride p (16 in SAM), returned channels-last (B, H, W, C).
public final class PatchEmbed: Module {
    public let proj: Conv2d

    /// A patch embedding with PyTorch's default init.
    public init(patchSize: Int, inChannels: Int, embedDim: Int, generator: inout SeededGenerator) {
        proj = Conv2d(inChannels: inChannels, outChannels: embedDim, kernelSize: Size2D(patchSize, patchSize),
                      stride: Size2D(patchSize, patchSize), generator: &generator)
    }

    /// (B, 3, S, S) → (B, S/p, S/p, C).
    public func callAsFunction(_ x: Tensor) -> Tensor {
        proj(x).permuted(0, 2, 3, 1)
    }
}

/// The transformer MLP (`MLPBlock`): lin1 → activation → lin2.
public final class MLPBlock: Module {
    public let lin1: Linear
    public let lin2: Linear
    /// GELU in the image encoder, ReLU in the two-way transformer.
    public let activation: @Sendable (Tensor) -> Tensor

    /// An MLP `embeddingDim → mlpDim → embeddingDim` with the given activation.
    public init(embeddingDim: Int, mlpDim: Int, activation: @escaping @Sendable (Tensor) -> Tensor,
                generator: inout SeededGenerator) {
        lin1 = Linear(inFeatures: embeddingDim, outFeatures: mlpDim, generator: &generator)
        lin2 = Linear(inFeatures: mlpDim, outFeatures: embeddingDim, generator: &generator)
        self.activation = activation
    }

    /// Applies the MLP over the last axis.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        lin2(activation(lin1(x)))
    }
}

/// One pre-norm ViT block, windowed (`windowSize > 0`) or global. An attached `adapter`'s
/// branch of the block's input is added to its output.
public final class ImageEncoderBlock: AdaptableEncoderBlock {
    public let norm1: LayerNorm
    public let attn: EncoderAttention
    public let norm2: LayerNorm
    public let mlp: MLPBlock
    public let windowSize: Int
    /// Empty in the official model; I-MedSAM puts its frequency adapter here.
    @Replaceable public var adapter: (any EncoderBlockAdapter)? = nil

    public var channels: Int { attn.proj.outFeatures }

    /// A block attending within `windowSize`² windows, or globally over `gridSize`² when `windowSize` is 0.
    public init(dim: Int, numHeads: Int, mlpRatio: Int, windowSize: Int, gridSize: Int, generator: inout SeededGenerator) {
        norm1 = LayerNorm(dim, eps: 1e-6)
        attn = EncoderAttention(dim: dim, numHeads: numHeads, gridSize: windowSize > 0 ? windowSize : gridSize,
                                generator: &generator)
        norm2 = LayerNorm(dim, eps: 1e-6)
        mlp = MLPBlock(embeddingDim: dim, mlpDim: dim * mlpRatio, activation: { $0.gelu() }, generator: &generator)
        self.windowSize = windowSize
    }

    /// `x` is (B, H, W, C).
    public func callAsFunction(_ x: Tensor) -> Tensor {
        var y = norm1(x)
        if windowSize > 0 {
            let h = x.shape[1], w = x.shape[2]
            y = Self.unpartition(attn(Self.partition(y, window: windowSize)), window: windowSize,
                                 batch: x.shape[0], height: h, width: w)
        } else {
            y = attn(y)
        }
        let residual = x + y
        let out = residual + mlp(norm2(residual))
        guard let adapter else { return out }
        return out + adapter(x)
    }

    /// Zero-pads (B, H, W, C) bottom/right to whole windows (after the norm, as SAM does, so
    /// padded tokens are attended to with k = v = bias) and cuts it into (B·nW, ws, ws, C).
    static func partition(_ x: Tensor, window: Int) -> Tensor {
        let b = x.shape[0], h = x.shape[1], w = x.shape[2], c = x.shape[3]
        let padH = (window - h % window) % window, padW = (window - w % window) % window
        let padded = padH > 0 || padW > 0 ? x.padded([0, 0, 0, padW, 0, padH]) : x
        let hp = h + padH, wp = w + padW
        return padded.reshaped([b, hp / window, window, wp / window, window, c]).permuted(0, 1, 3, 2, 4, 5)
            .reshaped([-1, window, window, c])
    }

    /// Reassembles windows into (B, H, W, C), dropping the padding.
    static func unpartition(_ windows: Tensor, window: Int, batch: Int, height: Int, width: Int) -> Tensor {
        let c = windows.shape[3]
        let hp = (height + window - 1) / window * window, wp = (width + window - 1) / window * window
        var x = windows.reshaped([batch, hp / window, wp / window, window, window, c]).permuted(0, 1, 3, 2, 4, 5)
            .reshaped([batch, hp, wp, c])
        if hp > height { x = x.slice(axis: 1, 0, height) }
        if wp > width { x = x.slice(axis: 2, 0, width) }
        return x
    }
}

/// SAM's ViTDet image encoder (`ImageEncoderViT`): patch embedding + absolute position
/// embedding, windowed and global blocks, then the conv/LayerNorm2d neck to 256 channels.
public final class ImageEncoderViT: Module {
    public let patch_embed: PatchEmbed
    public let pos_embed: Parameter
    public let blocks: [ImageEncoderBlock]
    /// `nn.Sequential(conv1x1, LayerNorm2d, conv3x3, LayerNorm2d)`, keyed `neck.0` … `neck.3`.
    public let neck: Sequential

    /// An encoder of the config's size for `imageSize`² inputs (position embedding and rel-pos
    /// tables zero, as in SAM; checkpoints overwrite them).
    public init(config: ViTEncoderConfig, imageSize: Int, generator: inout SeededGenerator) {
        let dim = config.embedDim, grid = Self.embeddingSize(config: config, imageSize: imageSize)
        patch_embed = PatchEmbed(patchSize: config.patchSize, inChannels: 3, embedDim: dim, generator: &generator)
        pos_embed = Parameter(.zeros([1, grid, grid, dim]))
        blocks = (0..<config.depth).map { i in
            ImageEncoderBlock(dim: dim, numHeads: config.numHeads, mlpRatio: 4,
                              windowSize: config.globalAttnIndexes.contains(i) ? 0 : config.windowSize,
                              gridSize: grid, generator: &generator)
        }
        neck = Self.neck(from: dim, generator: &generator)
    }

    /// (B, 3, S, S) normalised images → (B, 256, S/p, S/p) embeddings.
    public func callAsFunction(_ images: Tensor) -> Tensor {
        var x = patch_embed(images) + pos_embed.value
        for block in blocks { x = block(x) }
        let map = x.permuted(0, 3, 1, 2)
        return neck(map)
    }
}
