import Tensor

extension StoredTensor {
    /// The values as a float32 tensor of the stored shape.
    public var tensor: Tensor { Tensor(values, shape: shape) }

    /// Copies a tensor's values (a detached snapshot) for saving.
    public init(_ tensor: Tensor, dtype: CheckpointDType = .float32) {
        self.init(shape: tensor.shape, dtype: dtype, values: tensor.scalars)
    }
}

extension StateDict {
    /// Every entry as a tensor, by key (the form `Module.load` takes).
    public func tensorsByKey() -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for key in keys { out[key] = tensors[key]!.tensor }
        return out
    }

    /// A state dict of tensors in the given order (e.g. `module.stateDict()`); keys ending in
    /// `num_batches_tracked` keep PyTorch's int64 type.
    public init(_ entries: [(key: String, value: Tensor)], source: String = "<memory>") {
        self.init(source: source)
        for (key, value) in entries {
            self[key] = StoredTensor(value, dtype: key.hasSuffix("num_batches_tracked") ? .int64 : .float32)
        }
    }
}
