/// When dropout is active: only in training, or also in evaluation for Monte-Carlo dropout
/// (repeated stochastic forward passes to estimate uncertainty).
public enum DropoutMode: Sendable {
    /// Training: drop.
    case training
    /// Evaluation: identity.
    case evaluation
    /// Monte-Carlo dropout: keep dropping in evaluation.
    case monteCarlo

    /// Whether elements are dropped in this mode.
    public var isActive: Bool { self != .evaluation }
}

extension Tensor {
    /// Zeroes each element with probability `p` and scales the survivors by 1/(1−p)
    /// (`F.dropout`); the identity when `mode` is `.evaluation`. Draws from `generator` so a
    /// seed reproduces the mask.
    public func dropout(_ p: Float, mode: DropoutMode, generator: inout SeededGenerator) -> Tensor {
        precondition(p >= 0 && p <= 1, "dropout probability \(p) outside [0, 1]")
        guard mode.isActive, p > 0 else { return self }
        if p == 1 { return self * 0 }
        let mask = Tensor(uninitializedShape: shape)
        let scale = 1 / (1 - p)
        let m = mask.pointer
        for i in 0..<count { m[i] = generator.uniform() < Double(p) ? 0 : scale }
        return self * mask
    }
}
