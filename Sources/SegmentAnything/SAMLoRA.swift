import Durable
import Formats
import Foundation
import NN
import Tensor

/// Low-rank adaptation settings for the image encoder's `qkv` projections.
public struct LoRAConfig: Sendable, Equatable, Codable {
    /// Rank r of the update `B·A`.
    public var rank: Int
    /// Scale numerator: the update is multiplied by `alpha / rank`.
    public var alpha: Float
    /// Dropout on the adapter's input during training.
    public var dropout: Float

    /// Defaults follow the UltraRefiner setup (rank 4, alpha 4, no dropout).
    public init(rank: Int = 4, alpha: Float = 4, dropout: Float = 0) {
        self.rank = rank
        self.alpha = alpha
        self.dropout = dropout
    }

    /// The factor applied to `B·A`.
    public var scaling: Float { alpha / Float(rank) }
}

/// A linear layer with an optional LoRA adapter: `y = x Wᵀ + b + s · drop(x) Aᵀ Bᵀ`.
///
/// Without an adapter its state-dict keys are exactly `nn.Linear`'s (`weight`, `bias`), so
/// official checkpoints load unchanged; with one, `lora_A` (r, in) and `lora_B` (out, r) join
/// them. `B` starts at zero, so adding an adapter leaves the outputs unchanged.
///
/// The adapter's dropout is an ordinary `Dropout` sub-module, so `setTraining` reaches it;
/// attach adapters before switching the model to training.
public final class LoRALinear: Module {
    public let weight: Parameter
    public let bias: Parameter?
    public private(set) var lora_A: Parameter?
    public private(set) var lora_B: Parameter?
    private var lora_dropout: Dropout?
    /// The adapter's settings, when one is attached.
    public private(set) var loraConfig: LoRAConfig?
    /// True while `s·B·A` is folded into `weight` (inference without the extra matmuls).
    public private(set) var isMerged = false

    /// A plain linear layer with PyTorch's default initialisation.
    public init(inFeatures: Int, outFeatures: Int, bias: Bool = true, generator: inout SeededGenerator) {
        let base = Linear(inFeatures: inFeatures, outFeatures: outFeatures, bias: bias, generator: &generator)
        weight = base.weight
        self.bias = base.bias
    }

    /// Attaches a fresh adapter (A as `nn.Linear`'s default init, B zero) and freezes the base.
    public func attachLoRA(_ config: LoRAConfig, generator: inout SeededGenerator) {
        precondition(config.rank > 0, "LoRA rank must be positive")
        let inFeatures = weight.shape[1], outFeatures = weight.shape[0]
        lora_A = Parameter(Initialization.defaultWeight([config.rank, inFeatures], fanIn: inFeatures, generator: &generator))
        lora_B = Parameter(.zeros([outFeatures, config.rank]))
        lora_dropout = config.dropout > 0 ? Dropout(config.dropout, seed: generator.next()) : nil
        loraConfig = config
        isMerged = false
        weight.requiresGrad = false
        bias?.requiresGrad = false
    }

    /// `s·B·A`, the adapter's contribution to the weight.
    private func delta() -> Tensor? {
        guard let a = lora_A, let b = lora_B, let config = loraConfig else { return nil }
        return b.value.matmul(a.value) * config.scaling
    }

    /// Folds the adapter into the base weight; outputs stay the same (up to rounding).
    public func merge() {
        guard !isMerged, let d = noGrad({ delta() }) else { return }
        weight.value = noGrad { weight.value + d }
        isMerged = true
    }

    /// Takes a merged adapter back out of the base weight, for further training.
    public func unmerge() {
        guard isMerged, let d = noGrad({ delta() }) else { return }
        weight.value = noGrad { weight.value - d }
        isMerged = false
    }

    /// The base projection plus, unless merged, the scaled adapter path.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        let base = x.linear(weight: weight.value, bias: bias?.value)
        guard !isMerged, let a = lora_A, let b = lora_B, let config = loraConfig else { return base }
        let input = lora_dropout?(x) ?? x
        return base + input.linear(weight: a.value).linear(weight: b.value) * config.scaling
    }
}

extension LoRALinear {
    /// Whether a state-dict key belongs to an adapter rather than the base model.
    public static func isAdapterKey(_ key: String) -> Bool {
        key.hasSuffix(".lora_A") || key.hasSuffix(".lora_B")
    }
}

extension SAM {
    /// Every encoder `qkv` projection, which is where SAM's LoRA adapters go.
    public var qkvProjections: [LoRALinear] { image_encoder.blocks.map(\.attn.qkv) }

    /// Attaches adapters to every encoder `qkv` and freezes the whole image encoder except
    /// them; the prompt encoder and mask decoder keep their trainability.
    public func attachLoRA(_ lora: LoRAConfig = LoRAConfig(), seed: UInt64 = 0) {
        image_encoder.setRequiresGrad(false)
        var generator = SeededGenerator(seed: seed)
        for projection in qkvProjections { projection.attachLoRA(lora, generator: &generator) }
    }

    /// The adapter settings, when adapters are attached.
    public var loraConfig: LoRAConfig? { qkvProjections.first?.loraConfig }

    /// Folds every adapter into its base weight (faster inference, same outputs).
    public func mergeLoRA() { qkvProjections.forEach { $0.merge() } }

    /// Takes merged adapters back out of the base weights.
    public func unmergeLoRA() { qkvProjections.forEach { $0.unmerge() } }

    /// Writes only the adapter weights (`image_encoder.blocks.N.attn.qkv.lora_A/B`), with the
    /// model and LoRA configs in the metadata; the base comes from the official checkpoint.
    public func saveLoRA(to url: URL, metadata: [String: String] = [:]) throws {
        guard let lora = loraConfig else { throw FormatError(url, "the model has no LoRA adapters to save") }
        let wasMerged = qkvProjections.contains(where: \.isMerged)
        if wasMerged { unmergeLoRA() }
        defer { if wasMerged { mergeLoRA() } }
        var file = ModelCheckpoint<SAM>(tensors: StateDict(stateDict().filter { LoRALinear.isAdapterKey($0.key) }),
                                        storedConfig: config, metadata: metadata)
        try file.encode(lora, as: SAM.loraMetadataKey)
        try file.write(to: url)
    }

    /// Reads an adapter file written by `saveLoRA`, attaching adapters with its settings if
    /// none are attached; every adapter key must be present with the right shape.
    public func loadLoRA(contentsOf url: URL) throws {
        let file = try ModelCheckpoint<SAM>(contentsOf: url)
        guard let lora = try file.decoded(SAM.loraMetadataKey, as: LoRAConfig.self) else {
            throw FormatError(url, "no '\(SAM.loraMetadataKey)' metadata: not a LoRA file")
        }
        if let saved = file.storedConfig, saved != config {
            throw FormatError(url, "adapters were trained for \(saved), this model is \(config)")
        }
        if loraConfig == nil { attachLoRA(lora) }
        guard loraConfig == lora else { throw FormatError(url, "LoRA settings \(lora) differ from the attached \(loraConfig!)") }
        unmergeLoRA()
        let adapters = namedParameters().filter { LoRALinear.isAdapterKey($0.key) }
        try file.tensors.requireKeys(adapters.map(\.key))
        let values = file.tensors.tensorsByKey()
        for (key, parameter) in adapters {
            guard values[key]!.shape == parameter.shape else {
                throw FormatError(url, "shape mismatch for '\(key)': file \(values[key]!.shape), model \(parameter.shape)")
            }
            parameter.value = values[key]!
        }
    }
}
