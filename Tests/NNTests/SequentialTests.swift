import Foundation
import Testing
import Tensor
@testable import NN

/// A parameter-free layer that applies an affine map and logs its name, to see call order.
private final class Step: Layer {
    let name: String, scale: Float, shift: Float
    let log: Log
    init(_ name: String, scale: Float = 1, shift: Float = 0, log: Log) {
        self.name = name
        self.scale = scale
        self.shift = shift
        self.log = log
    }
    func callAsFunction(_ x: Tensor) -> Tensor {
        log.calls.append(name)
        return x * scale + shift
    }
}

private final class Log { var calls: [String] = [] }

/// A model holding a Sequential, as SAM's prompt encoder holds `mask_downscaling`.
private final class Holder: Module {
    let pre: Linear
    let head: Sequential
    init(generator: inout SeededGenerator) {
        pre = Linear(inFeatures: 2, outFeatures: 3, generator: &generator)
        head = Sequential([
            Linear(inFeatures: 3, outFeatures: 3, generator: &generator),
            GELU(),
            LayerNorm(3),
            ReLU(),
            Dropout(0.5),
            Linear(inFeatures: 3, outFeatures: 1, bias: false, generator: &generator),
        ])
    }
}

struct SequentialTests {
    @Test func childrenAreKeyedByIndexAndParameterFreeLayersHoldNone() {
        var g = SeededGenerator(seed: 1)
        let holder = Holder(generator: &g)
        #expect(holder.namedEntries().map(\.key) == [
            "pre.weight", "pre.bias",
            "head.0.weight", "head.0.bias", "head.2.weight", "head.2.bias", "head.5.weight",
        ])
        #expect(holder.namedModules().map(\.key) == [
            "", "pre", "head", "head.0", "head.1", "head.2", "head.3", "head.4", "head.5",
        ])
        #expect(holder.head.count == 6)
        #expect(holder.head[2] is LayerNorm)
    }

    @Test func namedChildrenKeepTheirNames() {
        var g = SeededGenerator(seed: 2)
        let stage = Sequential(named: [
            (name: "unit1", layer: Linear(inFeatures: 2, outFeatures: 2, bias: false, generator: &g)),
            (name: "act", layer: ReLU()),
            (name: "unit2", layer: Sequential([LayerNorm(2)])),
        ])
        #expect(stage.namedEntries().map(\.key) == ["unit1.weight", "unit2.0.weight", "unit2.0.bias"])
    }

    @Test func layersRunInOrder() {
        let log = Log()
        let chain = Sequential([Step("a", scale: 2, log: log), Step("b", shift: 1, log: log), Step("c", scale: -1, log: log)])
        // (3·2 + 1)·(−1) = −7; any other order gives another value.
        #expect(chain(Tensor([3], shape: [1])).scalars == [-7])
        #expect(log.calls == ["a", "b", "c"])
    }

    @Test func callEqualsTheLayersAppliedByHand() {
        var g = SeededGenerator(seed: 3)
        let holder = Holder(generator: &g)
        let x = Tensor.randn([4, 3], generator: &g)
        let layers = holder.head.layers
        var expected = x
        for layer in layers { expected = layer(expected) }
        #expect(holder.head(x).scalars == expected.scalars)
    }

    @Test func trainingModeReachesLayersInsideASequential() {
        var g = SeededGenerator(seed: 4)
        let holder = Holder(generator: &g)
        holder.setTraining(true)
        #expect((holder.head[4] as! Dropout).isTraining)
        holder.setTraining(false)
        #expect(!(holder.head[4] as! Dropout).isTraining)
    }

    @Test func loadFillsLayersBehindParameterFreeSlots() throws {
        var g = SeededGenerator(seed: 5)
        let holder = Holder(generator: &g)
        var values = Dictionary(uniqueKeysWithValues: holder.stateDict().map { ($0.key, $0.value) })
        values["head.5.weight"] = Tensor([1, 2, 3], shape: [1, 3])
        try holder.load(values)
        #expect((holder.head[5] as! Linear).weight.value.scalars == [1, 2, 3])
    }
}

/// The parameter-free activations against their definitions.
struct ActivationTests {
    @Test func geluIsTheExactErfForm() {
        let inputs: [Float] = [-3, -1, -0.5, 0, 0.5, 1, 2.5]
        let output = GELU()(Tensor(inputs, shape: [inputs.count])).scalars
        for (x, y) in zip(inputs, output) {
            let exact = Double(x) * 0.5 * (1 + erf(Double(x) / 2.0.squareRoot()))
            #expect(abs(Double(y) - exact) < 1e-6, "GELU(\(x)) = \(y), want \(exact)")
        }
        // The tanh form differs measurably at 1: 0.841192 vs the exact 0.841345.
        #expect(abs(Double(output[5]) - 0.8413447) < 1e-6)
        let approximate = GELU(approximation: .tanh)(Tensor([1], shape: [1])).item
        #expect(abs(Double(approximate) - 0.8411920) < 1e-6)
    }

    @Test func reluClampsNegatives() {
        #expect(ReLU()(Tensor([-2, 0, 3], shape: [3])).scalars == [0, 0, 3])
    }
}
