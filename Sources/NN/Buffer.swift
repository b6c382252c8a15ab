import Tensor

/// Non-trainable state saved with a module (PyTorch's registered buffers): batch-norm running
/// statistics, fixed positional-encoding matrices. A reference type, like `Parameter`, so a
/// layer can update it in place during training.
public final class Buffer {
    public var value: Tensor

    public init(_ value: Tensor) { self.value = value.detached() }

    public var shape: [Int] { value.shape }
}
