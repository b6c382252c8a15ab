import Foundation
import Testing
import Tensor
@testable import NN

/// Optimiser updates against their PyTorch definitions, computed by hand in Double.
struct OptimizerTests {
    @Test func sgdWithMomentumAndWeightDecayFollowsPyTorch() {
        let p = Parameter(Tensor([1, -2], shape: [2]))
        var sgd = SGD([("p", p)], learningRate: 0.1, momentum: 0.9, weightDecay: 0.01)
        var w: [Double] = [1, -2], buf: [Double] = [0, 0]
        let grads: [[Double]] = [[0.5, 1], [-0.25, 2]]
        for (step, grad) in grads.enumerated() {
            p.grad = Tensor(grad.map(Float.init), shape: [2])
            sgd.step()
            for i in 0..<2 {
                let g = grad[i] + 0.01 * w[i]
                buf[i] = step == 0 ? g : 0.9 * buf[i] + g
                w[i] -= 0.1 * buf[i]
            }
        }
        for i in 0..<2 { #expect(abs(Double(p.value.scalars[i]) - w[i]) < 1e-6) }
    }

    @Test func adamWFollowsPyTorch() {
        let p = Parameter(Tensor([0.5, -1.5, 3], shape: [3]))
        var adam = AdamW([("p", p)], learningRate: 0.01, weightDecay: 0.1)
        var w: [Double] = [0.5, -1.5, 3], m = [Double](repeating: 0, count: 3), v = m
        let grads: [[Double]] = [[1, -0.5, 0.25], [0.3, 0.2, -4], [-1, 0, 1]]
        for (t, grad) in grads.enumerated() {
            p.grad = Tensor(grad.map(Float.init), shape: [3])
            adam.step()
            for i in 0..<3 {
                w[i] *= 1 - 0.01 * 0.1
                m[i] = 0.9 * m[i] + 0.1 * grad[i]
                v[i] = 0.999 * v[i] + 0.001 * grad[i] * grad[i]
                let mHat = m[i] / (1 - pow(0.9, Double(t + 1))), vHat = v[i] / (1 - pow(0.999, Double(t + 1)))
                w[i] -= 0.01 * mHat / (vHat.squareRoot() + 1e-8)
            }
        }
        for i in 0..<3 { #expect(abs(Double(p.value.scalars[i]) - w[i]) < 1e-6) }
    }

    @Test func parametersWithoutGradientsAreLeftAlone() {
        let p = Parameter(Tensor([1], shape: [1]))
        var sgd = SGD([("p", p)], learningRate: 1)
        sgd.step()
        #expect(p.value.scalars == [1])
    }

    @Test func polyScheduleDecaysToZero() {
        let schedule = PolyLearningRate(base: 0.01, totalIterations: 100)
        #expect(schedule.rate(at: 0) == 0.01)
        #expect(abs(Double(schedule.rate(at: 50)) - 0.01 * pow(0.5, 0.9)) < 1e-9)
        #expect(schedule.rate(at: 100) == 0)
    }
}
