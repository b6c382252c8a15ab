import Durable
import Formats
import NN

extension Module {
    /// Loads a checkpoint's tensors by state-dict key (see `Module.load(_:strict:)`), reporting
    /// problems against the checkpoint file.
    public func load(_ checkpoint: StateDict, strict: Bool = true) throws {
        do {
            try load(checkpoint.tensorsByKey(), strict: strict)
        } catch let error as ModuleLoadError {
            throw FormatError(checkpoint.source, error.description)
        }
    }

    /// The module's parameters and buffers as a state dict, ready for `Safetensors.write`.
    public func checkpoint() -> StateDict {
        StateDict(stateDict())
    }
}
