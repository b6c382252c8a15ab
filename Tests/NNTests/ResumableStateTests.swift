import Testing
import Tensor
@testable import NN

/// The state a training checkpoint captures besides the weights.
struct ResumableStateTests {
    @Test func restoredMomentumBuffersContinueTheSameTrajectory() throws {
        let grads: [[Float]] = [[0.5, -1], [0.25, 2]]
        let original = Parameter(Tensor([1, -2], shape: [2]))
        var sgd = SGD([("w", original)], learningRate: 0.1, momentum: 0.9)
        original.grad = Tensor(grads[0], shape: [2])
        sgd.step()

        let copy = Parameter(original.value.detached())
        var restored = SGD([("w", copy)], learningRate: 0.1, momentum: 0.9)
        try restored.restore(sgd.state)
        #expect(restored.state["w"]?.scalars == [0.5, -1])
        let fresh = Parameter(original.value.detached())
        var forgetful = SGD([("w", fresh)], learningRate: 0.1, momentum: 0.9)
        for p in [original, copy, fresh] { p.grad = Tensor(grads[1], shape: [2]) }
        sgd.step()
        restored.step()
        forgetful.step()
        #expect(copy.value.scalars == original.value.scalars)
        #expect(fresh.value.scalars != original.value.scalars, "without its buffers the step differs")
    }

    /// A tiny two-layer model and its loss on fixed data, for optimiser runs.
    final class Net: Module {
        let first: Linear
        let second: Linear
        init(seed: UInt64) {
            var g = SeededGenerator(seed: seed)
            first = Linear(inFeatures: 3, outFeatures: 4, generator: &g)
            second = Linear(inFeatures: 4, outFeatures: 2, generator: &g)
        }
        func loss(step: Int) -> Tensor {
            var g = SeededGenerator(seed: 100 + UInt64(step))
            let x = Tensor.randn([5, 3], generator: &g), y = Tensor.randn([5, 2], generator: &g)
            return (second(first(x).relu()) - y).squared().mean()
        }
    }

    static func train(_ net: Net, _ optimizer: inout AdamW, steps: Range<Int>) {
        for step in steps {
            net.zeroGrad()
            net.loss(step: step).backward()
            optimizer.step()
        }
    }

    static func adam(_ net: Net) -> AdamW {
        AdamW(net.trainableParameters(), learningRate: 0.05, weightDecay: 0.1)
    }

    @Test func adamWStoppedAndRestoredMatchesAnUninterruptedRunBitForBit() throws {
        let straight = Net(seed: 1)
        var straightAdam = Self.adam(straight)
        Self.train(straight, &straightAdam, steps: 0..<7)

        let first = Net(seed: 1)
        var firstAdam = Self.adam(first)
        Self.train(first, &firstAdam, steps: 0..<3)
        // What a checkpoint holds: the weights by key and the optimiser state by key, copied
        // out of the objects so nothing is shared with the stopped run.
        let weights = Dictionary(uniqueKeysWithValues: first.stateDict().map { ($0.key, Tensor($0.value.scalars, shape: $0.value.shape)) })
        let saved = firstAdam.state.mapValues {
            AdamW.Moments(step: $0.step, m: Tensor($0.m.scalars, shape: $0.m.shape), v: Tensor($0.v.scalars, shape: $0.v.shape))
        }
        #expect(Set(saved.keys) == ["first.weight", "first.bias", "second.weight", "second.bias"])
        #expect(saved.values.allSatisfy { $0.step == 3 })

        let resumed = Net(seed: 99)
        try resumed.load(weights)
        var resumedAdam = Self.adam(resumed)
        try resumedAdam.restore(saved)
        Self.train(resumed, &resumedAdam, steps: 3..<7)
        for ((key, a), (_, b)) in zip(straight.stateDict(), resumed.stateDict()) {
            #expect(a.scalars == b.scalars, "\(key) differs after resuming")
        }

        // Without the moments the continuation is a different trajectory: the test can fail.
        let forgetful = Net(seed: 99)
        try forgetful.load(weights)
        var forgetfulAdam = Self.adam(forgetful)
        Self.train(forgetful, &forgetfulAdam, steps: 3..<7)
        #expect(forgetful.first.weight.value.scalars != straight.first.weight.value.scalars)
    }

    @Test func restoreRefusesStateThatDoesNotFit() {
        let p = Parameter(Tensor([1, 2], shape: [2]))
        var adam = AdamW([("w", p)])
        let error = #expect(throws: OptimizerStateError.self) {
            try adam.restore(["w": AdamW.Moments(step: 1, m: .zeros([3]), v: .zeros([2])),
                              "gone": AdamW.Moments(step: 1, m: .zeros([2]), v: .zeros([2]))])
        }
        #expect(error?.unknown == ["gone"])
        #expect(error?.mismatches == ["w: m [3], v [2], parameter [2]"])
        #expect(adam.state.isEmpty, "a refused state leaves the optimiser as it was")
        var sgd = SGD([("w", p)], learningRate: 1, momentum: 0.9)
        #expect(throws: OptimizerStateError.self) { try sgd.restore(["w": .zeros([1])]) }
    }

    @Test func reseededDropoutRepeatsItsMask() {
        let dropout = Dropout(0.5, seed: 1)
        dropout.isTraining = true
        let x = Tensor.ones([64])
        dropout.reseed(9)
        let first = dropout(x).scalars
        let next = dropout(x).scalars
        dropout.reseed(9)
        #expect(dropout(x).scalars == first)
        #expect(next != first)
    }
}
