/// A module whose state-dict names cannot be Swift property names: PyTorch `Sequential`
/// indices (`conv_more.0.weight`) or numbered children built in a loop (`block1.unit3`).
///
/// Such a module lists its children itself instead of being reflected; the listed values may
/// be parameters, buffers, modules or arrays of modules, exactly as stored properties would be.
public protocol ExplicitlyNamedChildren: Module {
    /// The children in state-dict order, each under its PyTorch name.
    var namedChildren: [(name: String, value: Any)] { get }
}
