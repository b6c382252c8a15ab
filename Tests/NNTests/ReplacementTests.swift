import Testing
import Tensor
@testable import NN

/// An attention-like block whose projection may be replaced (as SAM's `qkv`) and whose
/// output projection may not.
private final class Attention: Module {
    @Replaceable var qkv: Linear
    let proj: Linear
    init(generator: inout SeededGenerator) {
        qkv = Linear(inFeatures: 4, outFeatures: 6, generator: &generator)
        proj = Linear(inFeatures: 6, outFeatures: 4, generator: &generator)
    }
    func callAsFunction(_ x: Tensor) -> Tensor { proj(qkv(x)) }
}

private final class Encoder: Module {
    let blocks: [Attention]
    let neck: Sequential
    let norm: LayerNorm
    init(seed: UInt64) {
        var g = SeededGenerator(seed: seed)
        blocks = [Attention(generator: &g), Attention(generator: &g)]
        neck = Sequential([LayerNorm(4), GELU()])
        norm = LayerNorm(4)
    }
    func callAsFunction(_ x: Tensor) -> Tensor { neck(blocks.reduce(x) { $1($0) }) }
}

struct ReplacementTests {
    @Test func aReplaceableChildIsKeyedByItsPropertyName() {
        let encoder = Encoder(seed: 1)
        #expect(encoder.namedEntries().map(\.key).prefix(4) == [
            "blocks.0.qkv.weight", "blocks.0.qkv.bias", "blocks.0.proj.weight", "blocks.0.proj.bias",
        ])
        #expect(encoder.namedModules().map(\.key).contains("blocks.1.qkv"))
    }

    @Test func replacingAtAPathSwapsTheModuleTheModelCalls() throws {
        let encoder = Encoder(seed: 2)
        var g = SeededGenerator(seed: 3)
        let replacement = Linear(inFeatures: 4, outFeatures: 6, bias: false, generator: &g)
        try encoder.replaceModule(at: "blocks.1.qkv", with: replacement)
        #expect(encoder.blocks[1].qkv === replacement)
        #expect(!encoder.namedEntries().map(\.key).contains("blocks.1.qkv.bias"), "the new module's keys count")
        let x = Tensor.randn([2, 4], generator: &g)
        let expected = encoder.neck(encoder.blocks[1].proj(replacement(encoder.blocks[0](x))))
        #expect(encoder(x).scalars == expected.scalars)
    }

    @Test func aSequentialsLayerCanBeReplaced() throws {
        let encoder = Encoder(seed: 4)
        try encoder.replaceModule(at: "neck.1", with: ReLU())
        #expect(encoder.neck[1] is ReLU)
        let error = #expect(throws: ModuleReplacementError.self) { try encoder.replaceModule(at: "neck.7", with: ReLU()) }
        #expect(error?.problem == "the Sequential has no layer '7'")
    }

    @Test func replacementsThatDoNotFitAreRefusedWithTheReason() {
        let encoder = Encoder(seed: 5)
        func problem(_ path: String, _ module: any Module) -> String? {
            do {
                try encoder.replaceModule(at: path, with: module)
                return nil
            } catch {
                return (error as? ModuleReplacementError)?.problem
            }
        }
        #expect(problem("blocks.0.qkv", LayerNorm(6)) == "LayerNorm is not a Linear")
        #expect(problem("blocks.0.proj", LayerNorm(6)) == "'proj' is fixed; declare it @Replaceable to allow replacing it")
        #expect(problem("blocks.0.nothing", LayerNorm(6)) == "Attention has no child 'nothing'")
        #expect(problem("blocks.7.qkv", LayerNorm(6)) == "there is no module at 'blocks.7'")
        #expect(problem("", LayerNorm(6)) == "not a child's path")
        #expect(encoder.blocks[0].qkv.outFeatures == 6, "a refused replacement changes nothing")
    }

    @Test func replaceModulesByPatternReplacesEveryMatch() throws {
        let encoder = Encoder(seed: 6)
        var seen: [String] = []
        var g = SeededGenerator(seed: 7)
        let replaced = try encoder.replaceModules(matching: ["blocks.*.qkv"]) { path, module in
            seen.append(path)
            return Linear(inFeatures: 4, outFeatures: (module as! Linear).outFeatures, generator: &g)
        }
        #expect(seen == ["blocks.0.qkv", "blocks.1.qkv"])
        #expect(replaced == seen)
        let kept = try encoder.replaceModules(matching: ["norm"]) { _, _ in nil }
        #expect(kept.isEmpty)
    }
}

/// LoRA attached by replacing modules, leaving the declared types alone.
struct LoRAReplacementTests {
    @Test func applyLoRAWrapsTheMatchedLinearsWithoutChangingOutputsOrOtherKeys() throws {
        let encoder = Encoder(seed: 8)
        var g = SeededGenerator(seed: 9)
        let x = Tensor.randn([3, 4], generator: &g)
        let before = encoder(x).scalars
        let baseWeight = encoder.blocks[0].qkv.weight
        let keysBefore = encoder.namedEntries().map(\.key)

        let adapted = try encoder.applyLoRA(LoRAConfig(rank: 2, alpha: 4), matching: ["blocks.*.qkv"], generator: &g)
        #expect(adapted == ["blocks.0.qkv", "blocks.1.qkv"])
        let lora = try #require(encoder.blocks[0].qkv as? LoRALinear)
        #expect(lora.weight === baseWeight, "the adapter wraps the original parameters")
        #expect(encoder(x).scalars == before, "B starts at zero")
        let keys = encoder.namedEntries().map(\.key)
        #expect(keys.filter { !LoRALinear.isAdapterKey($0) } == keysBefore)
        #expect(keys.prefix(4) == ["blocks.0.qkv.weight", "blocks.0.qkv.bias", "blocks.0.qkv.lora_A", "blocks.0.qkv.lora_B"])
        #expect(lora.lora_A.shape == [2, 4] && lora.lora_B.shape == [6, 2])
        #expect(encoder.trainableParameters().map(\.key).filter { $0.hasPrefix("blocks.0.") } == [
            "blocks.0.qkv.lora_A", "blocks.0.qkv.lora_B", "blocks.0.proj.weight", "blocks.0.proj.bias",
        ], "the base is frozen, the rest keeps its trainability")
    }

    @Test func theAdapterAddsItsScaledLowRankUpdate() throws {
        let encoder = Encoder(seed: 10)
        var g = SeededGenerator(seed: 11)
        try encoder.applyLoRA(LoRAConfig(rank: 2, alpha: 6), matching: ["blocks.0.qkv"], generator: &g)
        let lora = try #require(encoder.blocks[0].qkv as? LoRALinear)
        lora.lora_B.value = Tensor.randn([6, 2], generator: &g)
        let x = Tensor.randn([3, 4], generator: &g)
        let expected = x.linear(weight: lora.weight.value, bias: lora.bias!.value)
            + x.matmul(lora.lora_A.value.transposed(0, 1)).matmul(lora.lora_B.value.transposed(0, 1)) * 3
        let difference = zip(lora(x).scalars, expected.scalars).map { abs($0 - $1) }.max()!
        #expect(difference < 1e-5)
        lora.merge()
        let merged = zip(lora(x).scalars, expected.scalars).map { abs($0 - $1) }.max()!
        #expect(merged < 1e-5)
        #expect(encoder.blocks[1].qkv is LoRALinear == false, "only the matched path is adapted")
    }

    @Test func applyingAgainReplacesTheAdapterOverTheSameBase() throws {
        let encoder = Encoder(seed: 12)
        var g = SeededGenerator(seed: 13)
        let base = encoder.blocks[0].qkv.weight
        try encoder.applyLoRA(LoRAConfig(rank: 2), matching: ["blocks.0.qkv"], generator: &g)
        (encoder.blocks[0].qkv as! LoRALinear).merge()
        try encoder.applyLoRA(LoRAConfig(rank: 3), matching: ["blocks.0.qkv"], generator: &g)
        let lora = try #require(encoder.blocks[0].qkv as? LoRALinear)
        #expect(lora.weight === base && lora.loraConfig.rank == 3 && !lora.isMerged)
        #expect(encoder.namedEntries().filter { LoRALinear.isAdapterKey($0.key) }.count == 2, "no nested adapters")
    }

    @Test func patternsThatMatchNothingOrNoLinearAreErrorsAndChangeNothing() {
        let encoder = Encoder(seed: 14)
        var g = SeededGenerator(seed: 15)
        #expect(throws: ModuleReplacementError.self) {
            try encoder.applyLoRA(LoRAConfig(), matching: ["blocks.*.qkvv"], generator: &g)
        }
        let error = #expect(throws: ModuleReplacementError.self) {
            try encoder.applyLoRA(LoRAConfig(), matching: ["blocks.*.qkv", "norm"], generator: &g)
        }
        #expect(error?.path == "norm")
        #expect(!(encoder.blocks[0].qkv is LoRALinear), "nothing was replaced before the refusal")
    }
}

/// A part whose keys belong to its parent: `head.scale` is stored as the parent's `scale`.
@Test func keysAtParentLevelAddNoPathSegment() {
    final class Head: KeysAtParentLevel {
        let scale = Parameter(Tensor([2], shape: [1]))
    }
    final class Owner: Module {
        let before = Parameter(Tensor([1], shape: [1]))
        let head = Head()
        let after = Parameter(Tensor([3], shape: [1]))
    }
    #expect(Owner().namedParameters().map(\.key) == ["before", "scale", "after"])
}
