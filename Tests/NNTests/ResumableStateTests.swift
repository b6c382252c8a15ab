import Testing
import Tensor
@testable import NN

/// The state a training checkpoint captures besides the weights.
struct ResumableStateTests {
    @Test func restoredMomentumBuffersContinueTheSameTrajectory() {
        let grads: [[Float]] = [[0.5, -1], [0.25, 2]]
        let original = Parameter(Tensor([1, -2], shape: [2]))
        var sgd = SGD([original], learningRate: 0.1, momentum: 0.9)
        original.grad = Tensor(grads[0], shape: [2])
        sgd.step()

        let copy = Parameter(original.value.detached())
        var restored = SGD([copy], learningRate: 0.1, momentum: 0.9)
        restored.momentumBuffers = sgd.momentumBuffers
        #expect(restored.momentumBuffers[0]?.scalars == [0.5, -1])
        let fresh = Parameter(original.value.detached())
        var forgetful = SGD([fresh], learningRate: 0.1, momentum: 0.9)
        for p in [original, copy, fresh] { p.grad = Tensor(grads[1], shape: [2]) }
        sgd.step()
        restored.step()
        forgetful.step()
        #expect(copy.value.scalars == original.value.scalars)
        #expect(fresh.value.scalars != original.value.scalars, "without its buffers the step differs")
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
