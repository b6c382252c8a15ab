import Tensor

/// `nn.LayerNorm` over the last axis, with `weight` and `bias` of that size.
public final class LayerNorm: Layer {
    public let weight: Parameter
    public let bias: Parameter
    public let eps: Float

    public init(_ features: Int, eps: Float = 1e-5) {
        weight = Parameter(.ones([features]))
        bias = Parameter(.zeros([features]))
        self.eps = eps
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        x.layerNorm(weight: weight.value, bias: bias.value, eps: eps)
    }

    /// The same normalisation of a channel-major (N, C, …) tensor, each position over its
    /// channels: the layer applied to the features-last view, without transposing into it.
    public func overChannels(_ x: Tensor) -> Tensor {
        x.channelLayerNorm(weight: weight.value, bias: bias.value, eps: eps)
    }
}

/// SAM's `LayerNorm2d`: normalises each position of an NCHW map over its channels.
public final class LayerNorm2d: Layer {
    public let weight: Parameter
    public let bias: Parameter
    public let eps: Float

    public init(_ channels: Int, eps: Float = 1e-6) {
        weight = Parameter(.ones([channels]))
        bias = Parameter(.zeros([channels]))
        self.eps = eps
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        x.layerNorm2d(weight: weight.value, bias: bias.value, eps: eps)
    }
}

/// `nn.GroupNorm` with per-channel `weight` and `bias`.
public final class GroupNorm: Layer {
    public let weight: Parameter
    public let bias: Parameter
    public let groups: Int
    public let eps: Float

    public init(groups: Int, channels: Int, eps: Float = 1e-5) {
        precondition(channels % groups == 0, "GroupNorm: \(channels) channels do not split into \(groups) groups")
        weight = Parameter(.ones([channels]))
        bias = Parameter(.zeros([channels]))
        self.groups = groups
        self.eps = eps
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        x.groupNorm(groups: groups, weight: weight.value, bias: bias.value, eps: eps)
    }
}

/// `nn.BatchNorm2d`: batch statistics (and running-stat updates) in training, running
/// statistics in evaluation. The buffers carry PyTorch's names, `num_batches_tracked` included.
public final class BatchNorm2d: Layer, TrainingModeSwitchable {
    public let weight: Parameter
    public let bias: Parameter
    public let running_mean: Buffer
    public let running_var: Buffer
    public let num_batches_tracked: Buffer
    public let eps: Float
    public let momentum: Float
    public var isTraining = false

    public init(_ channels: Int, eps: Float = 1e-5, momentum: Float = 0.1) {
        weight = Parameter(.ones([channels]))
        bias = Parameter(.zeros([channels]))
        running_mean = Buffer(.zeros([channels]))
        running_var = Buffer(.ones([channels]))
        num_batches_tracked = Buffer(.zeros([]))
        self.eps = eps
        self.momentum = momentum
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        var mean = running_mean.value, variance = running_var.value
        let y = x.batchNorm(runningMean: &mean, runningVariance: &variance, weight: weight.value, bias: bias.value,
                            training: isTraining, momentum: momentum, eps: eps)
        if isTraining {
            running_mean.value = mean
            running_var.value = variance
            num_batches_tracked.value = num_batches_tracked.value + 1
        }
        return y
    }
}

/// `nn.Dropout`: active in training (or always, for Monte-Carlo dropout), identity otherwise.
public final class Dropout: Layer, TrainingModeSwitchable {
    public let p: Float
    public var isTraining = false
    /// Keeps dropout on in evaluation, for Monte-Carlo uncertainty estimates.
    public var monteCarlo = false
    private var generator: SeededGenerator

    public init(_ p: Float, seed: UInt64 = 0) {
        self.p = p
        generator = SeededGenerator(seed: seed)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        let mode: DropoutMode = isTraining ? .training : (monteCarlo ? .monteCarlo : .evaluation)
        guard mode.isActive, p > 0 else { return x }
        return x.dropout(p, mode: mode, generator: &generator)
    }

    /// Restarts the mask stream from `seed`, so training can fix each iteration's masks from
    /// its position alone and a resumed run drops exactly what an uninterrupted one would.
    public func reseed(_ seed: UInt64) {
        generator = SeededGenerator(seed: seed)
    }
}
