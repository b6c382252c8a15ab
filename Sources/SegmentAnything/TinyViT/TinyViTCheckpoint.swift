import Durable
import Formats
import NN

extension TinyViT {
    /// Reads the encoder's shape off its official state-dict keys (the `image_encoder` subtree
    /// of a LiteMedSAM checkpoint, prefix removed): widths, depths, heads and windows from the
    /// tensor shapes. Two things are not in the tensors and follow the official code instead:
    /// the merge strides (`TinyViTConfig.officialMergeStrides`) and the input side, which its
    /// forward fixes by reshaping the last stage to 64×64 tokens (so S = 64 × the strides).
    public static func inferConfig(from checkpoint: StateDict) throws -> TinyViTConfig {
        func shape(_ key: String) throws -> [Int] {
            guard let tensor = checkpoint[key] else { throw FormatError(checkpoint.source, "not a TinyViT encoder: no \(key)") }
            return tensor.shape
        }
        func count(_ key: (Int) -> String) -> Int {
            var n = 0
            while checkpoint[key(n)] != nil { n += 1 }
            return n
        }
        let embed = try shape("patch_embed.seq.0.c.weight")
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
            let window = Int(Double(biases[1]).squareRoot().rounded())
            guard biases.count == 2, window * window == biases[1] else {
                throw FormatError(checkpoint.source, "\(block).attn.attention_biases \(biases) is not (heads, window²)")
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
        let config = TinyViTConfig(imageSize: 64 * strides.reduce(1, *), embedDims: dims, depths: depths, numHeads: heads,
                                   windowSizes: windows, mlpRatio: hidden / dims[1], mbconvExpandRatio: expanded / stem,
                                   localConvSize: localConv, mergeStrides: strides)
        if let problem = config.problem { throw FormatError(checkpoint.source, "inconsistent TinyViT shapes: \(problem)") }
        return config
    }
}
