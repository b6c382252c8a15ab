import Tensor

/// `nn.GRUCell`: one step of a gated recurrent unit, with PyTorch's parameter names, shapes,
/// gate order (reset, update, new) and initialisation, so its weights load by key.
///
/// For input x (B, I) and hidden state h (B, H):
/// ```
/// r  = σ(W_ir x + b_ir + W_hr h + b_hr)
/// z  = σ(W_iz x + b_iz + W_hz h + b_hz)
/// n  = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
/// h' = (1 − z) ⊙ n + z ⊙ h
/// ```
/// The reset gate multiplies the hidden projection *after* its bias (PyTorch's and cuDNN's
/// form, not the original paper's), which is what a fixture from `torch.nn.GRUCell` checks.
public final class GRUCell: Module {
    /// (3H, I): the input projections of the r, z and n gates, stacked in that order.
    public let weight_ih: Parameter
    /// (3H, H): the hidden-state projections, stacked likewise.
    public let weight_hh: Parameter
    /// (3H).
    public let bias_ih: Parameter
    /// (3H).
    public let bias_hh: Parameter

    /// A cell with PyTorch's initialisation: every weight and bias U(−1/√H, 1/√H).
    public init(inputSize: Int, hiddenSize: Int, generator: inout SeededGenerator) {
        func uniform(_ shape: [Int]) -> Parameter {
            Parameter(Initialization.defaultWeight(shape, fanIn: hiddenSize, generator: &generator))
        }
        weight_ih = uniform([3 * hiddenSize, inputSize])
        weight_hh = uniform([3 * hiddenSize, hiddenSize])
        bias_ih = uniform([3 * hiddenSize])
        bias_hh = uniform([3 * hiddenSize])
    }

    /// Input features I.
    public var inputSize: Int { weight_ih.shape[1] }
    /// Hidden features H.
    public var hiddenSize: Int { weight_hh.shape[1] }

    /// The next hidden state (B, H) from input (B, I) and the previous state (B, H).
    public func callAsFunction(_ x: Tensor, hidden h: Tensor) -> Tensor {
        precondition(x.rank == 2 && x.shape[1] == inputSize, "GRUCell: input must be (B, \(inputSize)), got \(x.shape)")
        precondition(h.shape == [x.shape[0], hiddenSize], "GRUCell: hidden must be (\(x.shape[0]), \(hiddenSize)), got \(h.shape)")
        let size = hiddenSize
        let gi = x.linear(weight: weight_ih.value, bias: bias_ih.value)
        let gh = h.linear(weight: weight_hh.value, bias: bias_hh.value)
        func gate(_ g: Tensor, _ k: Int) -> Tensor { g.slice(axis: 1, k * size, (k + 1) * size) }
        let r = (gate(gi, 0) + gate(gh, 0)).sigmoid()
        let z = (gate(gi, 1) + gate(gh, 1)).sigmoid()
        let n = (gate(gi, 2) + r * gate(gh, 2)).tanh()
        return n + z * (h - n)
    }

    /// The zero state PyTorch starts from when no hidden state is given.
    public func initialState(batch: Int) -> Tensor {
        Tensor.zeros([batch, hiddenSize])
    }

    /// Runs the cell over a sequence (T, B, I) from `hidden` (zeros when nil), as a one-layer
    /// `nn.GRU` does: every step's state, stacked (T, B, H).
    public func run(_ sequence: Tensor, hidden: Tensor? = nil) -> Tensor {
        precondition(sequence.rank == 3, "GRUCell.run: sequence must be (T, B, I), got \(sequence.shape)")
        var h = hidden ?? initialState(batch: sequence.shape[1])
        var states: [Tensor] = []
        for t in 0..<sequence.shape[0] {
            h = self(sequence[index: t], hidden: h)
            states.append(h)
        }
        return Tensor.stack(states, axis: 0)
    }
}
