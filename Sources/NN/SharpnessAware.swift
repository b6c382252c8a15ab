import Foundation
import Tensor

/// Sharpness-aware minimisation (Foret et al.) around any optimiser: each step takes the
/// gradient at `w + ρ·g/‖g‖` (the worst nearby point along the gradient) and applies it at `w`,
/// which steers training towards flat minima. It costs a second forward and backward pass.
///
/// Only parameters that have a gradient move, so frozen parameters and LoRA's frozen bases
/// stay as they are. The state is the base optimiser's (the perturbation lives within a step).
public struct SharpnessAware<Base: Optimizer>: Optimizer {
    public var base: Base
    /// The neighbourhood radius ρ.
    public var rho: Float
    /// What the base optimiser updates (and `step` perturbs).
    public let parameters: [(key: String, parameter: Parameter)]

    public init(_ base: Base, parameters: [(key: String, parameter: Parameter)], rho: Float = 0.05) {
        self.base = base
        self.parameters = parameters
        self.rho = rho
    }

    public var learningRate: Float {
        get { base.learningRate }
        set { base.learningRate = newValue }
    }

    public var state: Base.State { base.state }

    public mutating func restore(_ state: Base.State) throws(OptimizerStateError) { try base.restore(state) }

    /// A plain base step with the gradients already accumulated (no sharpness term).
    public mutating func step() { base.step() }

    /// One sharpness-aware step: `loss` computes the loss (with gradients recorded) and is
    /// called twice, at `w` and at the perturbed weights; gradients are cleared before each
    /// call. Returns the loss at `w`.
    @discardableResult
    public mutating func step(_ loss: () throws -> Tensor) rethrows -> Tensor {
        var first: Tensor?
        try step(accumulating: {
            let value = try loss()
            value.backward()
            if first == nil { first = value }
        })
        return first!
    }

    /// One sharpness-aware step for a caller that accumulates gradients itself (e.g. a batch
    /// of single-item passes): `accumulate` runs the forward and backward passes and is called
    /// twice, at `w` and at the perturbed weights; gradients are cleared before each call.
    public mutating func step(accumulating accumulate: () throws -> Void) rethrows {
        for (_, p) in parameters { p.zeroGrad() }
        try accumulate()
        let moving = parameters.compactMap { item in item.parameter.grad.map { (item.parameter, $0) } }
        let norm = moving.reduce(Float(0)) { $0 + ($1.1 * $1.1).sum().item }.squareRoot()
        var offsets: [(Parameter, Tensor)] = []
        if norm > 0 {
            noGrad {
                for (p, g) in moving {
                    let offset = g * (rho / norm)
                    p.value = p.value.detached() + offset
                    offsets.append((p, offset))
                }
            }
        }
        for (_, p) in parameters { p.zeroGrad() }
        try accumulate()
        noGrad {
            for (p, offset) in offsets { p.value = p.value.detached() - offset }
        }
        base.step()
    }
}

/// `torch.optim.lr_scheduler.ReduceLROnPlateau` in mode `min` (U-MedSAM's schedule): after
/// more than `patience` epochs without an improvement larger than `threshold` (relative), the
/// rate is multiplied by `factor`; the counter then restarts.
public struct PlateauLearningRate: Sendable, Equatable, Codable {
    public private(set) var rate: Float
    public var factor: Float
    public var patience: Int
    public var threshold: Double
    public private(set) var best: Double = .infinity
    public private(set) var badEpochs = 0

    public init(base: Float, factor: Float = 0.9, patience: Int = 5, threshold: Double = 1e-4) {
        rate = base
        self.factor = factor
        self.patience = patience
        self.threshold = threshold
    }

    /// Takes an epoch's monitored value (e.g. the validation loss) and returns the rate for the next.
    @discardableResult
    public mutating func record(_ value: Double) -> Float {
        if value < best * (1 - threshold) {
            best = value
            badEpochs = 0
        } else {
            badEpochs += 1
            if badEpochs > patience {
                rate *= factor
                badEpochs = 0
            }
        }
        return rate
    }
}
