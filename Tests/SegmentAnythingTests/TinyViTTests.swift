import Durable
import Formats
import Foundation
import NN
@testable import SegmentAnything
import Tensor
import TestSupport
import Testing

/// TinyViT's structure, key layout, config inference and stored form, LoRA and gradients,
/// without the real checkpoint (`LiteMedSAMFidelityTests` has that).
@Suite struct TinyViTTests {
    /// Three stages: grids 16², 8² (3² windows, padded to 9²) and 8² (one 8² window, no
    /// padding), so every code path of the real encoder runs at a small size.
    static let tiny = TinyViTConfig(embedDims: [4, 8, 8], depths: [1, 1, 1], numHeads: [2, 2], windowSizes: [3, 8],
                                    mlpRatio: 2, mbconvExpandRatio: 2, localConvSize: 3, mergeStrides: [2, 1])
    static let tinySAM = SAMConfig(encoder: .tinyViT(tiny), imageSize: 16)

    @Test func liteMedSAMPresetHasTheOfficialGridsAndKeys() {
        let config = SAMConfig.liteMedSAM
        #expect(TinyViTConfig.liteMedSAM.stageGrids(imageSize: 256) == [256, 128, 64, 64])
        #expect(config.embeddingSize == 64 && config.lowResSize == 256 && SAM.preset(named: "litemedsam") == config)
        let keys = SAM(config: config).namedEntries().map(\.key)
        // lite_medsam.pth has 435 keys, 298 of them the encoder's; the strict load in
        // LiteMedSAMFidelityTests checks every one.
        #expect(keys.count == 435 && keys.filter { $0.hasPrefix("image_encoder.") }.count == 298)
        for key in ["patch_embed.seq.2.bn.num_batches_tracked", "layers.0.blocks.1.conv3.c.weight",
                    "layers.0.downsample.conv2.bn.running_var", "layers.2.blocks.5.attn.attention_biases",
                    "layers.3.blocks.1.local_conv.c.weight", "layers.3.blocks.1.mlp.fc2.bias", "neck.3.bias"] {
            #expect(keys.contains("image_encoder." + key), "\(key)")
        }
        #expect(!keys.contains { $0.hasPrefix("image_encoder.layers.3.downsample") })
    }

    @Test func configIsReadBackFromTheKeys() throws {
        // Official merge strides and the 64² final grid fix the input side at 64 · 2 · 2.
        let encoder = TinyViTConfig(embedDims: [8, 16, 24], depths: [2, 1, 3], numHeads: [2, 3], windowSizes: [7, 5],
                                    mlpRatio: 3, mbconvExpandRatio: 2, localConvSize: 5, mergeStrides: [2, 2])
        let config = SAMConfig(encoder: .tinyViT(encoder), imageSize: 256)
        let weights = SAM(config: config).checkpoint()
        #expect(try SAM.inferConfig(from: weights) == config)
        var mobileSAM = weights
        mobileSAM["image_encoder.patch_embed.seq.0.c.weight"] = StoredTensor(shape: [4, 3, 3, 3], values: [Float](repeating: 0, count: 108))
        #expect(throws: FormatError.self) { try SAM.inferConfig(from: mobileSAM) }
    }

    @Test func storedConfigNamesTheFamilyAndRoundTrips() throws {
        let folder = try TestPaths.temporaryDirectory("tinyvit-ckpt")
        defer { try? FileManager.default.removeItem(at: folder) }
        let sam = SAM(config: Self.tinySAM, seed: 5)
        let file = folder.appendingPathComponent("tiny.safetensors")
        try sam.save(to: file)
        let json = try #require(try Safetensors.read(file).metadata[SAM.configMetadataKey])
        #expect(json.hasPrefix(#"{"encoder":"tinyvit","imageSize":16,"tinyViT":{"#))
        let loaded = try SAM.load(contentsOf: file)
        #expect(loaded.config == Self.tinySAM && loaded.image_encoder is TinyViT)
        #expect(loaded.stateDict().map(\.value.scalars) == sam.stateDict().map(\.value.scalars))
    }

    @Test func inconsistentConfigsAreNamed() {
        var config = TinyViTConfig.liteMedSAM
        config.numHeads = [4, 5]
        #expect(config.problem?.contains("per-stage lists disagree") == true)
        config = .liteMedSAM
        config.numHeads[1] = 6
        #expect(config.problem == "160 channels do not split into 6 heads")
    }

    /// The attention-bias numbering is the official one: offsets numbered by first appearance
    /// over (query, key) pairs in row-major order.
    @Test func attentionBiasIndicesFollowFirstAppearance() {
        var generator = SeededGenerator(seed: 2)
        let window = 4
        let attention = TinyViT.Attention(dim: 4, numHeads: 2, windowSize: window, generator: &generator)
        var numbering: [[Int]: Int] = [:], expected: [Int] = []
        let points = (0..<window).flatMap { r in (0..<window).map { [r, $0] } }
        for p in points {
            for q in points {
                let offset = [abs(p[0] - q[0]), abs(p[1] - q[1])]
                if numbering[offset] == nil { numbering[offset] = numbering.count }
                expected.append(numbering[offset]!)
            }
        }
        #expect(attention.biasIndices == expected)
    }

    @Test func loraAdaptsEveryAttentionBlockAndStartsNeutral() {
        let sam = SAM(config: Self.tinySAM, seed: 6)
        var generator = SeededGenerator(seed: 7)
        let image = Tensor.randn([1, 3, 16, 16], generator: &generator)
        let before = noGrad { sam.image_encoder(image).scalars }
        sam.attachLoRA()
        #expect(sam.config.loraTargets == ["image_encoder.layers.*.blocks.*.attn.qkv"])
        let trainable = Set(sam.image_encoder.namedParameters().filter { $0.parameter.requiresGrad }.map(\.key))
        #expect(trainable == ["layers.1.blocks.0.attn.qkv.lora_A", "layers.1.blocks.0.attn.qkv.lora_B",
                              "layers.2.blocks.0.attn.qkv.lora_A", "layers.2.blocks.0.attn.qkv.lora_B"])
        #expect(noGrad { sam.image_encoder(image).scalars } == before)
    }

    /// In inference `Conv2dBN` folds its batch norm into the convolution; with non-trivial
    /// statistics that gives what the separate layers give (the path taken while recording).
    @Test func inferenceFoldsBatchNormIntoTheConvolution() {
        var generator = SeededGenerator(seed: 6)
        let layer = TinyViT.Conv2dBN(4, 6, kernel: 3, stride: 2, groups: 2, generator: &generator)
        layer.bn.weight.value = Tensor.randn([6], generator: &generator)
        layer.bn.bias.value = Tensor.randn([6], generator: &generator)
        layer.bn.running_mean.value = Tensor.randn([6], generator: &generator)
        layer.bn.running_var.value = Tensor.uniform([6], low: 0.5, high: 2, generator: &generator)
        let x = Tensor.randn([2, 4, 9, 9], generator: &generator)
        let folded = noGrad { layer(x) }
        #expect(ReferenceArrays.maxAbsDifference(folded, layer(x)) <= 1e-5)
    }

    /// In inference a block's attention half runs as one banded kernel; with padded windows and
    /// non-trivial norms and biases it gives what the composed path taken while recording gives.
    @Test func inferenceFusesTheAttentionHalf() {
        var generator = SeededGenerator(seed: 8)
        let block = TinyViT.Block(dim: 8, numHeads: 2, windowSize: 3, mlpRatio: 2, localConvSize: 3, generator: &generator)
        for (_, p) in block.namedParameters() { p.value = p.value + Tensor.randn(p.shape, std: 0.3, generator: &generator) }
        let x = Tensor.randn([2, 7, 8, 8], generator: &generator)
        let fused = noGrad { block(x) }
        #expect(block.attn.fusedResidual(x, window: 3) == nil && noGrad { block.attn.fusedResidual(x, window: 3) } != nil)
        #expect(ReferenceArrays.maxAbsDifference(fused, block(x)) <= 1e-5)
    }

    @Test func gradientsReachEveryPartInTrainingMode() {
        var generator = SeededGenerator(seed: 4)
        let encoder = TinyViT(config: Self.tiny, imageSize: 16, generator: &generator)
        // Perturb everything (zero biases and the zero-initialised MBConv scale included) so no
        // gradient is trivially zero; train mode makes batch norm use batch statistics.
        for (_, p) in encoder.namedParameters() {
            p.value = p.value + Tensor.randn(p.shape, std: 0.2, generator: &generator)
        }
        encoder.setTraining(true)
        let images = Tensor.randn([2, 3, 16, 16], generator: &generator)
        let weights = Tensor.randn([2, 256, 8, 8], generator: &generator)
        let loss = { (encoder(images) * weights).sum() }
        let parameters = Dictionary(uniqueKeysWithValues: encoder.namedParameters().map { ($0.key, $0.parameter) })
        for (index, key) in ["patch_embed.seq.0.c.weight", "layers.0.blocks.0.conv2.c.weight", "layers.0.downsample.conv2.bn.weight",
                             "layers.1.blocks.0.attn.attention_biases", "layers.1.blocks.0.attn.qkv.weight",
                             "layers.1.blocks.0.local_conv.c.weight", "layers.1.blocks.0.mlp.fc1.weight",
                             "layers.2.blocks.0.attn.attention_biases", "layers.2.blocks.0.attn.norm.weight",
                             "neck.1.weight"].enumerated() {
            SAMGradientTests.checkGradient(key, of: parameters[key]!, seed: UInt64(10 + index), loss: loss)
        }
    }
}
