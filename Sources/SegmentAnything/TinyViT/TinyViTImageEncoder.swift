import Durable
import Formats
import NN

/// TinyViT as a SAM image encoder (`SAMConfig.Encoder.tinyViT`), the encoder of LiteMedSAM.
extension TinyViT: SAMImageEncoder {
    public static func embeddingSize(config: TinyViTConfig, imageSize: Int) -> Int {
        config.stageGrids(imageSize: imageSize).last!
    }

    /// Any input side: windows are padded and merges are convolutions.
    public static func accepts(imageSize: Int, config: TinyViTConfig) -> Bool { imageSize > 0 }

    /// Every attention block's `qkv` (stage 0 is convolutional and has none).
    public static let loraTargets = ["layers.*.blocks.*.attn.qkv"]

    /// Reads the encoder's shape off the official `image_encoder.*` keys (nil when they are not
    /// TinyViT's): widths, depths, heads and windows from the tensor shapes. Two things are not
    /// in the tensors and follow the official code instead: the merge strides
    /// (`TinyViTConfig.officialMergeStrides`) and the input side, which its forward fixes by
    /// reshaping the last stage to 64×64 tokens (so S = 64 × the strides).
    public static func inferConfig(from checkpoint: StateDict) throws -> (config: TinyViTConfig, imageSize: Int)? {
        let prefix = "image_encoder."
        guard let embed = checkpoint[prefix + "patch_embed.seq.0.c.weight"]?.shape else { return nil }
        func shape(_ key: String) throws -> [Int] { try checkpoint.shape(of: prefix + key, reading: "not a TinyViT encoder") }
        func count(_ key: (Int) -> String) -> Int {
            var n = 0
            while checkpoint[prefix + key(n)] != nil { n += 1 }
            return n
        }
        guard embed.count == 4, embed[2] == 1, embed[3] == 1 else {
            throw FormatError(checkpoint.source, "patch embedding kernel \(embed): only LiteMedSAM's 1×1 patch embedding is supported")
        }
        let stages = count { "layers.\($0).blocks.0" + ($0 == 0 ? ".conv1.c.weight" : ".attn.qkv.weight") }
        guard stages >= 2 else { throw FormatError(checkpoint.source, "TinyViT checkpoint has \(stages) stages, expected at least 2") }
        let stem = try shape("patch_embed.seq.2.c.weight")[0]
        let expanded = try shape("layers.0.blocks.0.conv1.c.weight")[0]
        var dims = [stem], depths = [count { "layers.0.blocks.\($0).conv1.c.weight" }]
        var heads: [Int] = [], windows: [Int] = []
        for stage in 1..<stages {
            let block = "layers.\(stage).blocks.0"
            dims.append(try shape("\(block).attn.qkv.weight")[1])
            depths.append(count { "layers.\(stage).blocks.\($0).attn.qkv.weight" })
            let biases = try shape("\(block).attn.attention_biases")
            let window = Int(Double(biases.last ?? 0).squareRoot().rounded())
            guard biases.count == 2, window * window == biases[1] else {
                throw FormatError(checkpoint.source, "\(prefix)\(block).attn.attention_biases \(biases) is not (heads, window²)")
            }
            heads.append(biases[0])
            windows.append(window)
        }
        let hidden = try shape("layers.1.blocks.0.mlp.fc1.weight")[0]
        let localConv = try shape("layers.1.blocks.0.local_conv.c.weight")[2]
        guard expanded % stem == 0, hidden % dims[1] == 0 else {
            throw FormatError(checkpoint.source, "MBConv width \(expanded) or MLP width \(hidden) is not a multiple of its stage's channels")
        }
        let strides = TinyViTConfig.officialMergeStrides(dims)
        let config = TinyViTConfig(embedDims: dims, depths: depths, numHeads: heads, windowSizes: windows,
                                   mlpRatio: hidden / dims[1], mbconvExpandRatio: expanded / stem,
                                   localConvSize: localConv, mergeStrides: strides)
        if let problem = config.problem { throw FormatError(checkpoint.source, "inconsistent TinyViT shapes: \(problem)") }
        return (config, 64 * strides.reduce(1, *))
    }

    /// Nothing depends on the input side: the attention biases are per window offset.
    public static func resampled(_ tensors: StateDict, config: TinyViTConfig, from source: Int, to target: Int) throws -> StateDict {
        tensors
    }
}
