import Durable
import Formats
import Foundation
import NN
import SegmentAnything
import Tensor
import TestSupport
import Testing

/// LoRA on the image encoder's `qkv`: neutral when attached, merge/unmerge preserve outputs,
/// adapter files hold only adapter weights and restore them exactly.
@Suite struct SAMLoRATests {
    static let config = SAMGradientTests.config

    static func encode(_ sam: SAM, _ image: Tensor) -> [Float] {
        noGrad { sam.image_encoder(image).scalars }
    }

    static func maxAbsDifference(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }

    static func randomiseAdapters(_ sam: SAM, seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        for adapter in sam.loraAdapters {
            adapter.lora_B.value = Tensor.randn(adapter.lora_B.shape, std: 0.2, generator: &generator)
        }
    }

    @Test func attachingAdaptersLeavesOutputsUnchangedAndFreezesTheEncoder() {
        let sam = SAMGradientTests.model(seed: 1)
        var generator = SeededGenerator(seed: 2)
        let image = Tensor.randn([1, 3, 64, 64], generator: &generator)
        let before = Self.encode(sam, image)
        sam.attachLoRA()
        #expect(sam.loraConfig == LoRAConfig(rank: 4, alpha: 4, dropout: 0))
        #expect(sam.loraAdapters.count == Self.config.vit!.depth, "every encoder qkv is adapted")
        #expect(Self.encode(sam, image) == before, "B starts at zero, so the adapter adds exactly nothing")
        let trainable = Set(sam.image_encoder.namedParameters().filter { $0.parameter.requiresGrad }.map(\.key))
        #expect(trainable == Set((0..<Self.config.vit!.depth).flatMap { ["blocks.\($0).attn.qkv.lora_A", "blocks.\($0).attn.qkv.lora_B"] }))
        #expect(sam.mask_decoder.iou_token.weight.requiresGrad, "the decoder stays trainable")
    }

    @Test func mergeAndUnmergeKeepTheOutputs() {
        let sam = SAMGradientTests.model(seed: 4)
        sam.attachLoRA(LoRAConfig(rank: 3, alpha: 6))
        Self.randomiseAdapters(sam, seed: 5)
        var generator = SeededGenerator(seed: 6)
        let image = Tensor.randn([1, 3, 64, 64], generator: &generator)
        let plain = SAM(config: Self.config)
        try! plain.load(Dictionary(uniqueKeysWithValues: sam.stateDict().filter { !LoRALinear.isAdapterKey($0.key) }.map { ($0.key, $0.value) }))
        let adapted = Self.encode(sam, image)
        #expect(Self.maxAbsDifference(adapted, Self.encode(plain, image)) > 1e-3, "the adapters change the output")
        let baseWeight = sam.loraAdapters[0].weight.value.scalars
        sam.mergeLoRA()
        #expect(Self.maxAbsDifference(Self.encode(sam, image), adapted) <= 1e-4)
        sam.unmergeLoRA()
        #expect(Self.maxAbsDifference(Self.encode(sam, image), adapted) <= 1e-4)
        #expect(Self.maxAbsDifference(sam.loraAdapters[0].weight.value.scalars, baseWeight) <= 1e-6)
    }

    @Test func adapterFilesHoldOnlyAdaptersAndRestoreThem() throws {
        let folder = try TestPaths.temporaryDirectory("sam-lora")
        defer { try? FileManager.default.removeItem(at: folder) }
        let sam = SAMGradientTests.model(seed: 7)
        sam.attachLoRA(LoRAConfig(rank: 2, alpha: 2))
        Self.randomiseAdapters(sam, seed: 8)
        sam.mergeLoRA()
        let file = folder.appendingPathComponent("lora.safetensors")
        try sam.saveLoRA(to: file)
        let (tensors, metadata) = try Safetensors.read(file)
        #expect(tensors.keys.allSatisfy(LoRALinear.isAdapterKey), "only adapter weights are saved: \(tensors.keys)")
        #expect(tensors.count == 2 * Self.config.vit!.depth)
        #expect(metadata["lora_config"] != nil && metadata["sam_config"] != nil)

        // A fresh model with the same base weights and the loaded adapters gives the same output.
        // saveLoRA stores the unmerged adapters and leaves the model merged as it was.
        #expect(sam.loraAdapters.allSatisfy { $0.isMerged })
        sam.unmergeLoRA()
        let restored = SAM(config: Self.config)
        try restored.load(Dictionary(uniqueKeysWithValues: sam.stateDict().filter { !LoRALinear.isAdapterKey($0.key) }
            .map { ($0.key, $0.value) }), strict: true)
        try restored.loadLoRA(contentsOf: file)
        var generator = SeededGenerator(seed: 9)
        let image = Tensor.randn([1, 3, 64, 64], generator: &generator)
        #expect(Self.encode(restored, image) == Self.encode(sam, image))
    }

    @Test func adapterFileWithoutAKeyNamesIt() throws {
        let folder = try TestPaths.temporaryDirectory("sam-lora-bad")
        defer { try? FileManager.default.removeItem(at: folder) }
        let sam = SAMGradientTests.model(seed: 10)
        sam.attachLoRA()
        let file = folder.appendingPathComponent("lora.safetensors")
        try sam.saveLoRA(to: file)
        var (tensors, metadata) = try Safetensors.read(file)
        tensors["image_encoder.blocks.1.attn.qkv.lora_B"] = nil
        try Safetensors.write(tensors, metadata: metadata, to: file)
        let error = #expect(throws: FormatError.self) { try SAM(config: Self.config).loadLoRA(contentsOf: file) }
        #expect(error?.description.contains("image_encoder.blocks.1.attn.qkv.lora_B") == true, "\(String(describing: error))")
    }
}
