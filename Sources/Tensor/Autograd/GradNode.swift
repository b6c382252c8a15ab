/// One vertex of the autograd graph.
///
/// Leaves (parameters and `requiringGrad()` tensors) have no `backward` and accumulate into
/// `grad`; interior nodes map the gradient of their output to gradients of their inputs.
/// Inputs that need no gradient are stored as nil, so their subgraphs are never visited.
/// `grad` is written only by `backward`, which must not run concurrently on graphs that share
/// a leaf (the same as accumulating into one PyTorch parameter from two threads).
final class GradNode: @unchecked Sendable {
    let inputs: [GradNode?]
    let backward: ((Tensor) -> [Tensor?])?
    /// Accumulated gradient of a leaf.
    var grad: Tensor?

    init(inputs: [GradNode?], backward: @escaping (Tensor) -> [Tensor?]) {
        self.inputs = inputs
        self.backward = backward
    }

    /// A leaf that collects gradients.
    init() {
        inputs = []
        backward = nil
    }
}

extension Tensor {
    /// True when gradients flow back through this tensor.
    public var requiresGrad: Bool { gradNode != nil }

    /// The gradient accumulated in this leaf by ``backward(_:)``; nil for interior tensors.
    public var grad: Tensor? { gradNode?.grad }

    /// This tensor as a new graph leaf that accumulates a gradient (PyTorch's
    /// `requires_grad_()` on a fresh tensor).
    public func requiringGrad() -> Tensor {
        Tensor(shape: shape, storage: storage, offset: offset, gradNode: GradNode())
    }

    /// The same values cut off from the graph (PyTorch's `detach()`).
    public func detached() -> Tensor {
        Tensor(shape: shape, storage: storage, offset: offset)
    }

    /// Attaches a graph node to `result` when grad mode is on and some input needs a gradient.
    /// `backward` receives the gradient of `result` and returns one gradient (or nil) per input,
    /// each already shaped like its input.
    static func recorded(_ result: Tensor, inputs: [Tensor],
                         backward: @escaping (Tensor) -> [Tensor?]) -> Tensor {
        guard GradMode.isEnabled, inputs.contains(where: { $0.gradNode != nil }) else { return result }
        var tracked = result
        tracked.gradNode = GradNode(inputs: inputs.map(\.gradNode), backward: backward)
        return tracked
    }

    /// Back-propagates from this tensor, adding d(self)/d(leaf) · upstream into every leaf's
    /// `grad`. `upstream` defaults to 1 and must then be omitted only for one-element tensors.
    /// Gradients accumulate across calls until cleared (`zeroGrad`). The graph is kept, so a
    /// second call on the same result accumulates again. The backward pass itself is not
    /// recorded (no higher-order gradients).
    public func backward(_ upstream: Tensor? = nil) {
        guard let root = gradNode else {
            preconditionFailure("backward() on a tensor that does not require grad")
        }
        let seed = upstream?.detached() ?? {
            precondition(count == 1, "backward() without an upstream gradient needs a one-element tensor, shape is \(shape)")
            return Tensor.ones(shape)
        }()
        precondition(seed.shape == shape, "upstream gradient shape \(seed.shape) differs from \(shape)")
        noGrad {
            var pending: [ObjectIdentifier: Tensor] = [ObjectIdentifier(root): seed]
            for node in Self.topologicalOrder(from: root) {
                guard let g = pending.removeValue(forKey: ObjectIdentifier(node)) else { continue }
                guard let backward = node.backward else {
                    node.grad = node.grad.map { $0 + g } ?? g
                    continue
                }
                for (input, inputGrad) in zip(node.inputs, backward(g)) {
                    guard let input, let inputGrad else { continue }
                    let key = ObjectIdentifier(input)
                    pending[key] = pending[key].map { $0 + inputGrad } ?? inputGrad
                }
            }
        }
    }

    /// Nodes reachable from `root`, each before all of its inputs (reverse post-order),
    /// computed iteratively so deep graphs cannot overflow the stack.
    private static func topologicalOrder(from root: GradNode) -> [GradNode] {
        var postOrder: [GradNode] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(node: GradNode, inputsDone: Bool)] = [(root, false)]
        while let (node, inputsDone) = stack.popLast() {
            if inputsDone {
                postOrder.append(node)
                continue
            }
            guard visited.insert(ObjectIdentifier(node)).inserted else { continue }
            stack.append((node, true))
            for case let input? in node.inputs where !visited.contains(ObjectIdentifier(input)) {
                stack.append((input, false))
            }
        }
        return postOrder.reversed()
    }
}
