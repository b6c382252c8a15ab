import Foundation
import Tensor

/// Updates parameters from their accumulated gradients, in place.
public protocol Optimizer {
    /// The learning rate of the next step (schedules set it before each step).
    var learningRate: Float { get set }
    /// Applies one update to every parameter that has a gradient.
    mutating func step()
}

/// `torch.optim.SGD` with momentum, weight decay (added to the gradient) and no dampening.
public struct SGD: Optimizer {
    public let parameters: [Parameter]
    public var learningRate: Float
    public var momentum: Float
    public var weightDecay: Float
    private var velocity: [ObjectIdentifier: Tensor] = [:]

    public init(_ parameters: [Parameter], learningRate: Float, momentum: Float = 0, weightDecay: Float = 0) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.momentum = momentum
        self.weightDecay = weightDecay
    }

    public mutating func step() {
        noGrad {
            for p in parameters {
                guard var g = p.grad else { continue }
                if weightDecay != 0 { g = g + p.value.detached() * weightDecay }
                if momentum != 0 {
                    let id = ObjectIdentifier(p)
                    // PyTorch starts the buffer at the first gradient, not at zero.
                    let buffer = velocity[id].map { $0 * momentum + g } ?? g
                    velocity[id] = buffer
                    g = buffer
                }
                p.value = p.value.detached() - g * learningRate
            }
        }
    }

    /// The momentum buffers in `parameters` order, nil where no step has made one yet: what a
    /// training checkpoint must hold besides the weights to resume bit for bit.
    public var momentumBuffers: [Tensor?] {
        get { parameters.map { velocity[ObjectIdentifier($0)] } }
        set {
            precondition(newValue.count == parameters.count,
                         "SGD: \(newValue.count) momentum buffers for \(parameters.count) parameters")
            velocity = [:]
            for (p, buffer) in zip(parameters, newValue) {
                if let buffer { velocity[ObjectIdentifier(p)] = buffer }
            }
        }
    }
}

/// `torch.optim.AdamW`: Adam with decoupled weight decay.
public struct AdamW: Optimizer {
    public let parameters: [Parameter]
    public var learningRate: Float
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float
    public var weightDecay: Float
    private var moments: [ObjectIdentifier: (m: Tensor, v: Tensor, t: Int)] = [:]

    public init(_ parameters: [Parameter], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-8, weightDecay: Float = 1e-2) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
    }

    public mutating func step() {
        noGrad {
            for p in parameters {
                guard let g = p.grad else { continue }
                let id = ObjectIdentifier(p)
                let previous = moments[id] ?? (m: g.zerosLike(), v: g.zerosLike(), t: 0)
                let t = previous.t + 1
                let m = previous.m * beta1 + g * (1 - beta1)
                let v = previous.v * beta2 + g * g * (1 - beta2)
                moments[id] = (m, v, t)
                let mHat = m / (1 - Foundation.pow(beta1, Float(t)))
                let vHat = v / (1 - Foundation.pow(beta2, Float(t)))
                let decayed = p.value.detached() * (1 - learningRate * weightDecay)
                p.value = decayed - mHat / (vHat.sqrt() + epsilon) * learningRate
            }
        }
    }
}

/// TransUNet's polynomial decay: `base · (1 − iteration / total)^power`.
public struct PolyLearningRate: Sendable, Equatable {
    public var base: Float
    public var totalIterations: Int
    public var power: Float

    public init(base: Float, totalIterations: Int, power: Float = 0.9) {
        self.base = base
        self.totalIterations = totalIterations
        self.power = power
    }

    public func rate(at iteration: Int) -> Float {
        let progress = min(max(Float(iteration) / Float(max(totalIterations, 1)), 0), 1)
        return base * Foundation.pow(1 - progress, power)
    }
}
