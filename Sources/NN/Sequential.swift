import Tensor

/// PyTorch's `nn.Sequential`: layers applied in order, each child keyed by its position
/// (`neck.0.weight`, `neck.3.bias`) or, like `nn.Sequential(OrderedDict(...))`, by a given
/// name (`block1.unit1.conv1.weight`).
///
/// Parameter-free layers (`GELU`, `ReLU`) take their index and contribute no keys, so the
/// indices of the layers after them match PyTorch's.
///
/// Subclasses name a recipe, as PyTorch models subclass `nn.Sequential` (`Conv2dReLU`); they
/// must not add stored modules, parameters or buffers: the state-dict walk lists only the
/// layers.
open class Sequential: Layer {
    /// The layers in call order, each under its state-dict name.
    public private(set) var namedLayers: [(name: String, layer: any Layer)]

    /// Layers keyed `0`, `1`, … in order.
    public init(_ layers: [any Layer]) {
        namedLayers = layers.enumerated().map { (name: String($0.offset), layer: $0.element) }
    }

    /// Layers under the given names, in order (`nn.Sequential(OrderedDict(...))`).
    public init(named layers: [(name: String, layer: any Layer)]) {
        let names = layers.map(\.name)
        precondition(Set(names).count == names.count, "Sequential: duplicate names in \(names)")
        precondition(names.allSatisfy { !$0.isEmpty && !$0.contains(".") },
                     "Sequential: names must be non-empty and dot-free, got \(names)")
        namedLayers = layers
    }

    /// The layers in call order.
    public var layers: [any Layer] { namedLayers.map(\.layer) }

    /// Number of layers, parameter-free ones included.
    public var count: Int { namedLayers.count }

    /// The layer at a position (which is its key unless the layers were named).
    public subscript(index: Int) -> any Layer { namedLayers[index].layer }

    /// Applies every layer in order. Open so a recipe can compute the same function another
    /// way (TinyViT's `Conv2dBN` folds its batch norm into the convolution at inference).
    open func callAsFunction(_ x: Tensor) -> Tensor {
        namedLayers.reduce(x) { $1.layer($0) }
    }

    /// Puts `layer` in place of the child called `name`; false when there is none.
    func replaceLayer(named name: String, with layer: any Layer) -> Bool {
        guard let index = namedLayers.firstIndex(where: { $0.name == name }) else { return false }
        namedLayers[index].layer = layer
        return true
    }
}
