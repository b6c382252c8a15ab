/// A trainable tensor owned by a module and updated in place by an optimiser.
///
/// A reference type so that a module, its optimiser and a state-dict loader all see the same
/// value. While `requiresGrad` is true, `value` carries a graph leaf, so any computation using
/// it records the graph and ``Tensor/backward(_:)`` accumulates into `grad`. A frozen
/// parameter (`requiresGrad = false`) carries no leaf: computations on it record nothing.
public final class Parameter {
    private let leaf = GradNode()

    /// The current values; assigning keeps the parameter's graph leaf attached.
    public var value: Tensor {
        // Assigning inside its own observer does not re-trigger it.
        didSet { value.gradNode = requiresGrad ? leaf : nil }
    }

    /// Whether gradients are computed for this parameter.
    public var requiresGrad: Bool {
        didSet { value.gradNode = requiresGrad ? leaf : nil }
    }

    /// The gradient accumulated since the last ``zeroGrad()``; nil if none was computed.
    public var grad: Tensor? {
        get { leaf.grad }
        set { leaf.grad = newValue }
    }

    /// Wraps `value` as a parameter.
    public init(_ value: Tensor, requiresGrad: Bool = true) {
        var attached = value
        attached.gradNode = requiresGrad ? leaf : nil
        self.value = attached
        self.requiresGrad = requiresGrad
    }

    /// Shape of the value.
    public var shape: [Int] { value.shape }

    /// Clears the accumulated gradient (PyTorch's `zero_grad(set_to_none=True)`).
    public func zeroGrad() {
        leaf.grad = nil
    }
}
