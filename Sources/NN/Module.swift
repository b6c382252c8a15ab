import Tensor

/// A layer or a model: an object whose stored properties are its parameters (`Parameter`),
/// buffers (`Buffer`) and sub-modules, discovered by reflection.
///
/// Property names are the PyTorch attribute names (`pos_embed`, `blocks`, `lin1`), so the
/// dotted path of every parameter *is* its state-dict key (`blocks.0.attn.qkv.weight`) and
/// loading an official checkpoint is a mechanical walk. Arrays of modules (PyTorch's
/// `ModuleList`) contribute their indices, a `Sequential` its layers' indices or names,
/// optionals contribute when present, and a `@Replaceable` property counts under its own name.
public protocol Module: AnyObject {}

/// A part that is its own module in our code but not in the reference's state dict: its
/// parameters and sub-modules are keyed as if they were its parent's own (no path segment
/// for the part itself). SAM's mask head is one: a replaceable part of the mask decoder whose
/// official keys are `mask_decoder.output_upscaling.*`, not `mask_decoder.head.output_upscaling.*`.
public protocol KeysAtParentLevel: Module {}

/// Something whose behaviour differs between training and evaluation (dropout, batch norm).
public protocol TrainingModeSwitchable: AnyObject {
    var isTraining: Bool { get set }
}

/// A module's named entries in declaration order, as a state dict lists them.
public enum ModuleEntry {
    case parameter(Parameter)
    case buffer(Buffer)
}

extension Module {
    /// Every parameter and buffer below this module, by state-dict key, in declaration order.
    public func namedEntries() -> [(key: String, entry: ModuleEntry)] {
        var out: [(String, ModuleEntry)] = []
        collect(self, prefix: "", into: &out)
        return out.map { (key: $0.0, entry: $0.1) }
    }

    /// Every parameter below this module, by state-dict key.
    public func namedParameters() -> [(key: String, parameter: Parameter)] {
        namedEntries().compactMap {
            if case .parameter(let p) = $0.entry { return (key: $0.key, parameter: p) } else { return nil }
        }
    }

    /// Parameters that currently receive gradients, by state-dict key: what an optimiser is
    /// built from, its state then keyed by the same paths.
    public func trainableParameters() -> [(key: String, parameter: Parameter)] {
        namedParameters().filter(\.parameter.requiresGrad)
    }

    /// Every module below (and including) this one, with its dotted path.
    public func namedModules() -> [(key: String, module: any Module)] {
        var out: [(String, any Module)] = [("", self)]
        walkModules(self, prefix: "", into: &out)
        return out.map { (key: $0.0, module: $0.1) }
    }

    /// Parameters and buffers as tensors by state-dict key (what PyTorch's `state_dict()` holds).
    public func stateDict() -> [(key: String, value: Tensor)] {
        namedEntries().map { item in
            switch item.entry {
            case .parameter(let p): return (key: item.key, value: p.value.detached())
            case .buffer(let b): return (key: item.key, value: b.value)
            }
        }
    }

    /// Loads values by state-dict key. Every key of the module must be present with the same
    /// shape; with `strict`, keys the module does not have are an error too. Errors list all
    /// missing and unexpected keys and every shape mismatch at once.
    public func load(_ values: [String: Tensor], strict: Bool = true) throws {
        let entries = namedEntries()
        let known = Set(entries.map(\.key))
        let missing = entries.map(\.key).filter { values[$0] == nil }
        let unexpected = strict ? values.keys.filter { !known.contains($0) }.sorted() : []
        var mismatched: [String] = []
        for (key, entry) in entries {
            guard let v = values[key] else { continue }
            let shape: [Int]
            switch entry {
            case .parameter(let p): shape = p.shape
            case .buffer(let b): shape = b.value.shape
            }
            if v.shape != shape { mismatched.append("\(key): checkpoint \(v.shape), model \(shape)") }
        }
        guard missing.isEmpty && unexpected.isEmpty && mismatched.isEmpty else {
            throw ModuleLoadError(missing: missing, unexpected: unexpected, shapeMismatches: mismatched)
        }
        for (key, entry) in entries {
            let v = values[key]!
            switch entry {
            case .parameter(let p): p.value = v.detached()
            case .buffer(let b): b.value = v.detached()
            }
        }
    }

    /// Switches every dropout and normalisation layer below to training or evaluation mode.
    public func setTraining(_ training: Bool) {
        for (_, module) in namedModules() {
            (module as? any TrainingModeSwitchable)?.isTraining = training
        }
    }

    /// Stops (or restarts) gradient computation for every parameter below this module.
    public func setRequiresGrad(_ requiresGrad: Bool) {
        for (_, p) in namedParameters() { p.requiresGrad = requiresGrad }
    }

    /// Clears the gradients of every parameter below this module.
    public func zeroGrad() {
        for (_, p) in namedParameters() { p.zeroGrad() }
    }

    /// Number of scalar parameters (buffers excluded).
    public var parameterCount: Int {
        namedParameters().reduce(0) { $0 + $1.parameter.value.count }
    }
}

/// A checkpoint that does not fit a module, with everything that is wrong listed.
public struct ModuleLoadError: Error, CustomStringConvertible, Equatable, Sendable {
    public var missing: [String]
    public var unexpected: [String]
    public var shapeMismatches: [String]

    public var description: String {
        var parts: [String] = []
        if !missing.isEmpty { parts.append("missing keys: " + missing.joined(separator: ", ")) }
        if !unexpected.isEmpty { parts.append("unexpected keys: " + unexpected.joined(separator: ", ")) }
        if !shapeMismatches.isEmpty { parts.append("shape mismatches: " + shapeMismatches.joined(separator: "; ")) }
        return parts.joined(separator: "; ")
    }
}

// MARK: - Reflection walk

private func join(_ prefix: String, _ name: String) -> String {
    prefix.isEmpty ? name : prefix + "." + name
}

/// The stored properties of `object` (including those of its superclasses), by Swift name.
func storedProperties(of object: AnyObject) -> [(String, Any)] {
    var out: [(String, Any)] = []
    var mirror: Mirror? = Mirror(reflecting: object)
    var levels: [[(String, Any)]] = []
    while let m = mirror {
        levels.append(m.children.compactMap { child in child.label.map { ($0, child.value) } })
        mirror = m.superclassMirror
    }
    // Superclass properties first, as Python declares them.
    for level in levels.reversed() { out += level }
    return out
}

/// A present optional's value, or the value itself; nil for an absent optional.
private func unwrapped(_ value: Any) -> Any? {
    let mirror = Mirror(reflecting: value)
    guard mirror.displayStyle == .optional else { return value }
    return mirror.children.first?.value
}

/// The named members of a module (its properties), a `Sequential` (its layers) or a list
/// (its indices).
private func members(of value: Any) -> [(String, Any)] {
    if let sequential = value as? Sequential { return sequential.namedLayers.map { ($0.name, $0.layer as Any) } }
    if let module = value as? any Module {
        return storedProperties(of: module).flatMap { name, member -> [(String, Any)] in
            var (name, member) = (name, member)
            // A @Replaceable property is stored as `_name`; it counts as `name` holding its module.
            if name.hasPrefix("_"), let slot = member as? any ReplaceableStorage {
                name = String(name.dropFirst())
                member = slot.storedValue
            }
            if let inlined = unwrapped(member) as? any KeysAtParentLevel { return members(of: inlined) }
            return [(name, member)]
        }
    }
    if let list = value as? [Any] { return list.enumerated().map { (String($0.offset), $0.element) } }
    return []
}

private func collect(_ value: Any, prefix: String, into out: inout [(String, ModuleEntry)]) {
    for (name, member) in members(of: value) {
        guard let item = unwrapped(member) else { continue }
        let path = join(prefix, name)
        switch item {
        case let p as Parameter: out.append((path, .parameter(p)))
        case let b as Buffer: out.append((path, .buffer(b)))
        default: collect(item, prefix: path, into: &out)
        }
    }
}

private func walkModules(_ value: Any, prefix: String, into out: inout [(String, any Module)]) {
    for (name, member) in members(of: value) {
        guard let item = unwrapped(member) else { continue }
        let path = join(prefix, name)
        if let module = item as? any Module { out.append((path, module)) }
        walkModules(item, prefix: path, into: &out)
    }
}
