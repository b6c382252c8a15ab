/// Marks a module property whose module may be swapped after construction, by path
/// (`replaceModule(at:with:)`), for adapters that wrap a layer rather than change its type:
/// `@Replaceable public var qkv: Linear` can later hold a `LoRALinear`.
///
/// The state-dict walk reports the child under the property's own name (`qkv`, not the
/// wrapper's storage `_qkv`), so keys are those of an ordinary stored property. A replacement
/// must be of the declared type (a subclass, for class types); assigning the property
/// directly replaces it too.
@propertyWrapper
public final class Replaceable<Value> {
    /// The module currently in place.
    public var wrappedValue: Value

    /// Holds `wrappedValue` until it is replaced.
    public init(wrappedValue: Value) {
        self.wrappedValue = wrappedValue
    }
}

/// The type-erased view of a `Replaceable` the reflection walk and `replaceModule` use.
protocol ReplaceableStorage: AnyObject {
    var storedValue: Any { get }
    var declaredType: Any.Type { get }
    /// Stores `module` if it is of the declared type.
    func store(_ module: any Module) -> Bool
}

extension Replaceable: ReplaceableStorage {
    var storedValue: Any { wrappedValue }
    var declaredType: Any.Type { Value.self }

    func store(_ module: any Module) -> Bool {
        guard let typed = module as? Value else { return false }
        wrappedValue = typed
        return true
    }
}

/// A module that could not be put at a path, and why.
public struct ModuleReplacementError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The dotted path of the attempted replacement.
    public var path: String
    /// What stood in the way.
    public var problem: String

    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    public var description: String { "cannot replace '\(path)': \(problem)" }
}

extension Module {
    /// Puts `replacement` at the dotted module path `path` (`blocks.3.attn.qkv`), as mlx's
    /// `update(modules:)` does. The child must be a `Sequential`'s layer or a property declared
    /// `@Replaceable`, and `replacement` must fit its declared type; plain `let` children stay
    /// fixed, so a model's structure changes only where it says it may.
    public func replaceModule(at path: String, with replacement: any Module) throws {
        let components = path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard let name = components.last, !name.isEmpty else {
            throw ModuleReplacementError(path: path, problem: "not a child's path")
        }
        let parentPath = components.dropLast().joined(separator: ".")
        guard let parent = namedModules().first(where: { $0.key == parentPath })?.module else {
            throw ModuleReplacementError(path: path, problem: "there is no module at '\(parentPath)'")
        }
        try setChild(of: parent, named: name, to: replacement, path: path)
    }

    /// Replaces every module whose path matches one of `patterns` (see `KeyPattern`) by what
    /// `transform` returns for it (nil keeps it). Matches are all collected before the first
    /// replacement; returns the replaced paths in walk order.
    @discardableResult
    public func replaceModules(matching patterns: [String],
                               with transform: (_ path: String, _ module: any Module) throws -> (any Module)?) throws -> [String] {
        let matcher = KeyPattern.any(of: patterns)
        let targets = namedModules().filter { !$0.key.isEmpty && matcher($0.key) }
        var replaced: [String] = []
        for (path, module) in targets {
            guard let replacement = try transform(path, module) else { continue }
            try replaceModule(at: path, with: replacement)
            replaced.append(path)
        }
        return replaced
    }
}

private func setChild(of parent: any Module, named name: String, to replacement: any Module, path: String) throws {
    if let sequential = parent as? Sequential {
        guard let layer = replacement as? any Layer else {
            throw ModuleReplacementError(path: path, problem: "a Sequential holds Layers, not \(type(of: replacement))")
        }
        guard sequential.replaceLayer(named: name, with: layer) else {
            throw ModuleReplacementError(path: path, problem: "the Sequential has no layer '\(name)'")
        }
        return
    }
    for (label, value) in storedProperties(of: parent) {
        if label == "_" + name, let slot = value as? any ReplaceableStorage {
            guard slot.store(replacement) else {
                throw ModuleReplacementError(path: path, problem: "\(type(of: replacement)) is not a \(slot.declaredType)")
            }
            return
        }
        if label == name {
            throw ModuleReplacementError(path: path, problem: "'\(name)' is fixed; declare it @Replaceable to allow replacing it")
        }
    }
    throw ModuleReplacementError(path: path, problem: "\(type(of: parent)) has no child '\(name)'")
}
