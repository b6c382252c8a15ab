import Foundation
import Tensor

/// Updates parameters from their accumulated gradients, in place.
///
/// An optimiser is built from named parameters (`model.trainableParameters()`), and its
/// state is keyed by those parameter paths, not by object identity: it can be saved beside
/// the weights and restored into a fresh optimiser over a fresh model, so a resumed run
/// continues bit for bit.
public protocol Optimizer {
    /// The per-parameter state, keyed by parameter path.
    associatedtype State
    /// The learning rate of the next step (schedules set it before each step).
    var learningRate: Float { get set }
    /// The state after the steps so far (parameters that have not stepped yet have none).
    var state: State { get }
    /// Replaces the state by a saved one; throws when it names unknown parameters or its
    /// tensors do not fit them.
    mutating func restore(_ state: State) throws(OptimizerStateError)
    /// Applies one update to every parameter that has a gradient.
    mutating func step()
}

/// A saved optimiser state that does not fit the optimiser's parameters, everything wrong listed.
public struct OptimizerStateError: Error, CustomStringConvertible, Equatable, Sendable {
    /// State keys that are not among the optimiser's parameters.
    public var unknown: [String]
    /// State tensors whose shape is not their parameter's, or otherwise invalid entries.
    public var mismatches: [String]

    public var description: String {
        var parts: [String] = []
        if !unknown.isEmpty { parts.append("state for unknown parameters: " + unknown.joined(separator: ", ")) }
        if !mismatches.isEmpty { parts.append("mismatched state: " + mismatches.joined(separator: "; ")) }
        return parts.joined(separator: "; ")
    }

    /// Checks every key of `state` against `parameters` with `problem` (nil when it fits).
    static func check<Value>(_ state: [String: Value], against parameters: [(key: String, parameter: Parameter)],
                             _ problem: (Value, [Int]) -> String?) throws(OptimizerStateError) {
        let shapes = Dictionary(uniqueKeysWithValues: parameters.map { ($0.key, $0.parameter.shape) })
        var error = OptimizerStateError(unknown: [], mismatches: [])
        for key in state.keys.sorted() {
            guard let shape = shapes[key] else { error.unknown.append(key); continue }
            if let problem = problem(state[key]!, shape) { error.mismatches.append("\(key): \(problem)") }
        }
        guard error.unknown.isEmpty && error.mismatches.isEmpty else { throw error }
    }
}

/// Keys must identify parameters, since the state is stored under them.
private func requireUniqueKeys(_ parameters: [(key: String, parameter: Parameter)], _ name: String) {
    var seen = Set<String>()
    for (key, _) in parameters { precondition(seen.insert(key).inserted, "\(name): parameter key '\(key)' appears twice") }
}

/// `torch.optim.SGD` with momentum, weight decay (added to the gradient) and no dampening.
public struct SGD: Optimizer {
    /// The parameters updated, with the paths their state is keyed by.
    public let parameters: [(key: String, parameter: Parameter)]
    public var learningRate: Float
    public var momentum: Float
    public var weightDecay: Float
    /// The momentum buffer of every parameter that has stepped with momentum, by path.
    public private(set) var state: [String: Tensor] = [:]

    public init(_ parameters: [(key: String, parameter: Parameter)], learningRate: Float, momentum: Float = 0,
                weightDecay: Float = 0) {
        requireUniqueKeys(parameters, "SGD")
        self.parameters = parameters
        self.learningRate = learningRate
        self.momentum = momentum
        self.weightDecay = weightDecay
    }

    public mutating func step() {
        noGrad {
            for (key, p) in parameters {
                guard var g = p.grad else { continue }
                if weightDecay != 0 { g = g + p.value.detached() * weightDecay }
                if momentum != 0 {
                    // PyTorch starts the buffer at the first gradient, not at zero.
                    let buffer = state[key].map { $0 * momentum + g } ?? g
                    state[key] = buffer
                    g = buffer
                }
                p.value = p.value.detached() - g * learningRate
            }
        }
    }

    public mutating func restore(_ state: [String: Tensor]) throws(OptimizerStateError) {
        try OptimizerStateError.check(state, against: parameters) { buffer, shape in
            buffer.shape == shape ? nil : "momentum \(buffer.shape), parameter \(shape)"
        }
        self.state = state.mapValues { $0.detached() }
    }
}

/// `torch.optim.AdamW`: Adam with decoupled weight decay.
public struct AdamW: Optimizer {
    /// One parameter's running moments, as PyTorch's `exp_avg`, `exp_avg_sq` and `step`.
    public struct Moments: Sendable {
        /// Steps taken, for the bias corrections.
        public var step: Int
        /// First moment (`exp_avg`).
        public var m: Tensor
        /// Second moment (`exp_avg_sq`).
        public var v: Tensor

        public init(step: Int, m: Tensor, v: Tensor) {
            self.step = step
            self.m = m
            self.v = v
        }
    }

    /// The parameters updated, with the paths their state is keyed by.
    public let parameters: [(key: String, parameter: Parameter)]
    public var learningRate: Float
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float
    public var weightDecay: Float
    /// The moments of every parameter that has stepped, by path.
    public private(set) var state: [String: Moments] = [:]

    public init(_ parameters: [(key: String, parameter: Parameter)], learningRate: Float = 1e-3, beta1: Float = 0.9,
                beta2: Float = 0.999, epsilon: Float = 1e-8, weightDecay: Float = 1e-2) {
        requireUniqueKeys(parameters, "AdamW")
        self.parameters = parameters
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
    }

    public mutating func step() {
        noGrad {
            for (key, p) in parameters {
                guard let g = p.grad else { continue }
                let previous = state[key] ?? Moments(step: 0, m: g.zerosLike(), v: g.zerosLike())
                let t = previous.step + 1
                let m = previous.m * beta1 + g * (1 - beta1)
                let v = previous.v * beta2 + g * g * (1 - beta2)
                state[key] = Moments(step: t, m: m, v: v)
                let mHat = m / (1 - Foundation.pow(beta1, Float(t)))
                let vHat = v / (1 - Foundation.pow(beta2, Float(t)))
                let decayed = p.value.detached() * (1 - learningRate * weightDecay)
                p.value = decayed - mHat / (vHat.sqrt() + epsilon) * learningRate
            }
        }
    }

    public mutating func restore(_ state: [String: Moments]) throws(OptimizerStateError) {
        try OptimizerStateError.check(state, against: parameters) { moments, shape in
            if moments.step < 1 { return "step \(moments.step) (a saved moment has taken at least one)" }
            if moments.m.shape != shape || moments.v.shape != shape {
                return "m \(moments.m.shape), v \(moments.v.shape), parameter \(shape)"
            }
            return nil
        }
        self.state = state.mapValues { Moments(step: $0.step, m: $0.m.detached(), v: $0.v.detached()) }
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

/// Cosine decay from `base` to `minimum` over `totalIterations` (PyTorch's
/// `CosineAnnealingLR` evaluated per iteration): the refiner and end-to-end phases' schedule.
public struct CosineLearningRate: Sendable, Equatable {
    public var base: Float
    public var totalIterations: Int
    public var minimum: Float

    public init(base: Float, totalIterations: Int, minimum: Float = 0) {
        self.base = base
        self.totalIterations = totalIterations
        self.minimum = minimum
    }

    public func rate(at iteration: Int) -> Float {
        let progress = min(max(Double(iteration) / Double(max(totalIterations, 1)), 0), 1)
        return minimum + (base - minimum) * Float(0.5 * (1 + cos(Double.pi * progress)))
    }
}
