import Durable
import Formats
import Tensor

extension Module {
    /// Loads a checkpoint's tensors by state-dict key (see `Module.load(_:strict:)`), reporting
    /// problems against the checkpoint file and, when given, the model they were meant for.
    public func load(_ checkpoint: StateDict, strict: Bool = true, modelDescription: String? = nil) throws {
        try load(checkpoint.tensorsByKey(), strict: strict, source: checkpoint.source, modelDescription: modelDescription)
    }

    /// Loads `values` read from `source`. This is where a `ModuleLoadError` becomes a
    /// `FormatError`, so every checkpoint that does not fit is reported against its file.
    public func load(_ values: [String: Tensor], strict: Bool = true, source: String,
                     modelDescription: String? = nil) throws {
        do {
            try load(values, strict: strict)
        } catch let error as ModuleLoadError {
            throw FormatError(source, (modelDescription.map { "does not fit \($0): " } ?? "") + error.description)
        }
    }

    /// The module's parameters and buffers as a state dict, ready for `Safetensors.write`.
    public func checkpoint() -> StateDict {
        StateDict(stateDict())
    }
}

extension StateDict {
    /// Sets just `parameters` (adapters trained over a frozen base, say) from these tensors:
    /// every one must be present with its shape, else nothing is set and the error names the
    /// file; other keys are left alone.
    public func assign(to parameters: [(key: String, parameter: Parameter)]) throws {
        try requireKeys(parameters.map(\.key))
        let values = tensorsByKey()
        for (key, parameter) in parameters where values[key]!.shape != parameter.shape {
            throw FormatError(source, "shape mismatch for '\(key)': file \(values[key]!.shape), model \(parameter.shape)")
        }
        for (key, parameter) in parameters { parameter.value = values[key]! }
    }
}
