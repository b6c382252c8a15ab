import Durable
import Formats
import Foundation
import NN
import Tensor

extension SAM {
    /// The attached adapters, in block order (empty before `attachLoRA`).
    public var loraAdapters: [LoRALinear] { image_encoder.namedModules().compactMap { $0.module as? LoRALinear } }

    /// Replaces each of the encoder's LoRA targets (`config.loraTargets`: every attention
    /// block's `qkv`) by a `LoRALinear` over it and freezes the whole image encoder except the
    /// adapters; the prompt encoder and mask decoder keep their trainability. Attaching again
    /// replaces the adapters.
    public func attachLoRA(_ lora: LoRAConfig = LoRAConfig(), seed: UInt64 = 0) {
        freeze(matching: ["image_encoder.*"])
        var generator = SeededGenerator(seed: seed)
        do {
            try applyLoRA(lora, matching: config.loraTargets, generator: &generator)
        } catch {
            preconditionFailure("every encoder family's LoRA targets are replaceable Linears: \(error)")
        }
    }

    /// The adapter settings, when adapters are attached.
    public var loraConfig: LoRAConfig? { loraAdapters.first?.loraConfig }

    /// Folds every adapter into its base weight (faster inference, same outputs).
    public func mergeLoRA() { loraAdapters.forEach { $0.merge() } }

    /// Takes merged adapters back out of the base weights.
    public func unmergeLoRA() { loraAdapters.forEach { $0.unmerge() } }

    /// Writes only the adapter weights (`image_encoder.blocks.N.attn.qkv.lora_A/B`), with the
    /// model and LoRA configs in the metadata; the base comes from the official checkpoint.
    public func saveLoRA(to url: URL, metadata: [String: String] = [:]) throws {
        guard let lora = loraConfig else { throw FormatError(url, "the model has no LoRA adapters to save") }
        let wasMerged = loraAdapters.contains(where: \.isMerged)
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
        try file.tensors.assign(to: namedParameters().filter { LoRALinear.isAdapterKey($0.key) })
    }
}
