import Testing
@testable import Tensor

/// Semantics of the tape: accumulation, inference mode, frozen parameters, training.
struct AutogradTests {
    @Test func gradientsAccumulateAcrossBackwardCallsUntilCleared() {
        let p = Parameter(Tensor([1, 2, 3]))
        (p.value * Tensor([2, 3, 4])).sum().backward()
        #expect(p.grad?.scalars == [2, 3, 4])
        (p.value * p.value).sum().backward()
        #expect(p.grad?.scalars == [4, 7, 10])  // + 2p
        p.zeroGrad()
        #expect(p.grad == nil)
        (p.value * 5).sum().backward()
        #expect(p.grad?.scalars == [5, 5, 5])
    }

    @Test func reusedTensorGetsTheSumOfItsPathGradients() {
        let x = Tensor([3]).requiringGrad()
        let y = x * x + x.exp() + x  // d/dx = 2x + e^x + 1
        y.sum().backward()
        #expect(Swift.abs(x.grad!.item - (6 + Float(20.085537) + 1)) < 1e-4)
    }

    @Test func backwardTakesAnUpstreamGradient() {
        let x = Tensor([1, 2]).requiringGrad()
        (x * 3).backward(Tensor([10, -1]))
        #expect(x.grad?.scalars == [30, -3])
    }

    @Test func noGradRecordsNothingAndFreesIntermediates() {
        let p = Parameter(Tensor.ones([4, 4]))
        weak var intermediate: TensorStorage?
        let inferred = noGrad { () -> Tensor in
            let hidden = (p.value * 2).exp()
            intermediate = hidden.storage
            return hidden.sum()
        }
        #expect(!inferred.requiresGrad)
        #expect(intermediate == nil, "intermediate kept alive under noGrad")

        // The same computation with grad mode on keeps what backward needs.
        weak var kept: TensorStorage?
        let tracked = { () -> Tensor in
            let hidden = (p.value * 2).exp()
            kept = hidden.storage
            return hidden.sum()
        }()
        #expect(tracked.requiresGrad)
        #expect(kept != nil)
    }

    @Test func frozenParametersGetNoGradientAndRecordNothing() {
        let frozen = Parameter(Tensor([1, 2]), requiresGrad: false)
        let trained = Parameter(Tensor([3, 4]))
        let frozenOnly = frozen.value.exp() * 2
        #expect(!frozenOnly.requiresGrad, "an op on frozen parameters recorded a graph node")
        (frozenOnly * trained.value).sum().backward()
        #expect(frozen.grad == nil)
        #expect(trained.grad != nil)
        // Unfreezing attaches the leaf again.
        frozen.requiresGrad = true
        (frozen.value * 3).sum().backward()
        #expect(frozen.grad?.scalars == [3, 3])
    }

    @Test func assigningAParameterValueKeepsItTrainable() {
        let p = Parameter(Tensor([1, 1]))
        noGrad { p.value = p.value - 0.5 }
        #expect(p.value.requiresGrad)
        (p.value * p.value).sum().backward()
        #expect(p.grad?.scalars == [1, 1])
    }

    @Test func tinyMLPLearnsWithPlainSGD() {
        var generator = SeededGenerator(seed: 2024)
        // Targets from a fixed random teacher; the student starts from other random weights.
        let inputs = Tensor.randn([32, 4], generator: &generator)
        let teacher = Tensor.randn([4, 1], generator: &generator)
        let targets = (inputs.matmul(teacher)).tanh()
        let w1 = Parameter(Tensor.randn([8, 4], std: 0.5, generator: &generator))
        let b1 = Parameter(Tensor.zeros([8]))
        let w2 = Parameter(Tensor.randn([1, 8], std: 0.5, generator: &generator))
        let b2 = Parameter(Tensor.zeros([1]))
        let parameters = [w1, b1, w2, b2]
        func loss() -> Tensor {
            let hidden = inputs.linear(weight: w1.value, bias: b1.value).gelu()
            return (hidden.linear(weight: w2.value, bias: b2.value) - targets).squared().mean()
        }
        let initial = noGrad { loss().item }
        for _ in 0..<30 {
            parameters.forEach { $0.zeroGrad() }
            loss().backward()
            noGrad {
                for p in parameters { p.value = p.value - p.grad! * 0.1 }
            }
        }
        let final = noGrad { loss().item }
        #expect(final < initial * 0.5, "loss went from \(initial) to \(final)")
    }
}
