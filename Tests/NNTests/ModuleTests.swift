import Foundation
import Testing
import TestSupport
import Tensor
import Formats
@testable import NN

/// A module tree shaped like PyTorch models: nested modules, lists, optionals, buffers.
final class Block: Module {
    let norm1: LayerNorm
    let attn: Linear
    let skip: Linear?
    init(_ dim: Int, withSkip: Bool, generator: inout SeededGenerator) {
        norm1 = LayerNorm(dim)
        attn = Linear(inFeatures: dim, outFeatures: dim, generator: &generator)
        skip = withSkip ? Linear(inFeatures: dim, outFeatures: dim, bias: false, generator: &generator) : nil
    }
}

final class Tiny: Module {
    let pos_embed: Parameter
    let blocks: [Block]
    let neck: [any Module]
    let depth = 2  // plain configuration values are not state
    init(generator: inout SeededGenerator) {
        pos_embed = Parameter(.zeros([1, 4]))
        blocks = [Block(4, withSkip: false, generator: &generator), Block(4, withSkip: true, generator: &generator)]
        neck = [Conv2d(inChannels: 4, outChannels: 2, kernelSize: 1, bias: false, generator: &generator), BatchNorm2d(2)]
    }
}

struct ModuleTests {
    func model() -> Tiny {
        var g = SeededGenerator(seed: 1)
        return Tiny(generator: &g)
    }

    @Test func keysFollowPropertyNamesIndicesAndPresentOptionals() {
        #expect(model().namedEntries().map(\.key) == [
            "pos_embed",
            "blocks.0.norm1.weight", "blocks.0.norm1.bias", "blocks.0.attn.weight", "blocks.0.attn.bias",
            "blocks.1.norm1.weight", "blocks.1.norm1.bias", "blocks.1.attn.weight", "blocks.1.attn.bias",
            "blocks.1.skip.weight",
            "neck.0.weight",
            "neck.1.weight", "neck.1.bias", "neck.1.running_mean", "neck.1.running_var", "neck.1.num_batches_tracked",
        ])
        #expect(model().parameterCount == 4 + 2 * (8 + 20) + 16 + 8 + 4)
    }

    @Test func loadReplacesEveryValueByKey() throws {
        let source = model(), target = model()
        var g = SeededGenerator(seed: 9)
        var values: [String: Tensor] = [:]
        for (key, value) in source.stateDict() { values[key] = Tensor.randn(value.shape, generator: &g) }
        try target.load(values)
        for (key, value) in target.stateDict() { #expect(value.scalars == values[key]!.scalars, "\(key)") }
    }

    @Test func loadListsMissingUnexpectedAndMismatchedKeysTogether() throws {
        var values = Dictionary(uniqueKeysWithValues: model().stateDict().map { ($0.key, $0.value) })
        values["blocks.1.skip.weight"] = nil
        values["head.weight"] = .zeros([1])
        values["pos_embed"] = .zeros([1, 5])
        let error = try #require(throws: ModuleLoadError.self) { try model().load(values) }
        #expect(error.missing == ["blocks.1.skip.weight"])
        #expect(error.unexpected == ["head.weight"])
        #expect(error.shapeMismatches == ["pos_embed: checkpoint [1, 5], model [1, 4]"])
        values["pos_embed"] = .zeros([1, 4])
        values["blocks.1.skip.weight"] = .zeros([4, 4])
        try model().load(values, strict: false)  // unexpected keys are tolerated when not strict
    }

    @Test func trainingModeReachesNestedLayers() {
        let m = model()
        m.setTraining(true)
        #expect((m.neck[1] as! BatchNorm2d).isTraining)
        m.setTraining(false)
        #expect(!(m.neck[1] as! BatchNorm2d).isTraining)
    }

    @Test func frozenParametersAreNotTrainable() {
        let m = model()
        #expect(m.trainableParameters().count == 13)  // 1 + 4 + 5 + 1 + 2
        m.blocks[0].setRequiresGrad(false)
        #expect(m.trainableParameters().count == 9)
    }

    @Test func batchNormUpdatesRunningStatisticsOnlyInTraining() {
        let bn = BatchNorm2d(2)
        var g = SeededGenerator(seed: 3)
        let x = Tensor.randn([4, 2, 3, 3], mean: 2, generator: &g)
        _ = bn(x)
        #expect(bn.running_mean.value.scalars == [0, 0])
        bn.isTraining = true
        _ = bn(x)
        let mean = x.mean(axes: [0, 2, 3]).scalars
        for c in 0..<2 { #expect(abs(bn.running_mean.value.scalars[c] - 0.1 * mean[c]) < 1e-6) }
        #expect(bn.num_batches_tracked.value.item == 1)
    }

    @Test func stateDictSurvivesASafetensorsRoundTrip() throws {
        let source = model()
        let dir = try TestPaths.temporaryDirectory("nn")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("tiny.safetensors")
        try Safetensors.write(StateDict(source.stateDict()), metadata: ["model": "tiny"], to: url)
        let (read, metadata) = try Safetensors.read(url)
        #expect(metadata["model"] == "tiny")
        #expect(read["neck.1.num_batches_tracked"]?.dtype == .int64)
        let target = model()
        try target.load(read.tensorsByKey())
        for ((k1, v1), (k2, v2)) in zip(source.stateDict(), target.stateDict()) {
            #expect(k1 == k2 && v1.scalars == v2.scalars)
        }
    }
}
