import Durable
import Formats
import Foundation
import NN
import Pixels
import SegmentAnything
import Tensor

/// What makes an I-MedSAM out of a SAM: which encoder adapters, and the implicit decoder.
public struct IMedSAMConfig: Codable, Equatable, Sendable {
    /// The frequency adapter's spectrum part, or nil for no frequency adapter (the ablation).
    public var frequencyAdapter: FrequencyComponent?
    /// The adapter's hidden width is the block's channels divided by this.
    public var adapterReduction: Int
    /// LoRA on each attention's query and value projections, or nil for none.
    public var lora: LoRAConfig?
    /// The implicit decoder.
    public var decoder: ImplicitDecoderConfig

    /// The paper's model: amplitude adapters, rank-4 LoRA on q and v, the implicit decoder.
    public init(frequencyAdapter: FrequencyComponent? = .amplitude, adapterReduction: Int = 4,
                lora: LoRAConfig? = LoRAConfig(rank: 4, alpha: 4), decoder: ImplicitDecoderConfig = ImplicitDecoderConfig()) {
        self.frequencyAdapter = frequencyAdapter
        self.adapterReduction = adapterReduction
        self.lora = lora
        self.decoder = decoder
    }

    /// Whether anything in the image encoder trains (then its output must be recomputed every
    /// step rather than read from an embedding cache).
    public var adaptsEncoder: Bool { frequencyAdapter != nil || lora != nil }
}

/// I-MedSAM (Wei et al., 2024) on any SAM image encoder: frozen pretrained SAM with frequency
/// adapters in every attention block and LoRA on the query and value projections, its prompt
/// encoder for the box, and an `ImplicitDecoder` in place of the mask decoder.
///
/// Keys: `sam.*` (the SAM's own, with the adapters' under their blocks: `…blocks.N.adapter.*`,
/// `…attn.qkv.lora_A/B`) and `decoder.*`. Only the adapters, LoRA and the decoder train; a
/// checkpoint stores just those (`save(to:)`), the base SAM comes from its own file.
public final class IMedSAM: Module {
    public let sam: SAM
    public let decoder: ImplicitDecoder
    /// The adapters and decoder settings.
    public let config: IMedSAMConfig

    /// The safetensors metadata key holding `IMedSAMConfig` in an I-MedSAM checkpoint.
    public static let configMetadataKey = "imedsam_config"

    /// Wraps `sam` (whose weights it freezes) with fresh adapters and a fresh decoder drawn from `seed`.
    public init(sam: SAM, config: IMedSAMConfig, seed: UInt64 = 0) throws {
        self.sam = sam
        self.config = config
        sam.setRequiresGrad(false)
        var generator = SeededGenerator(seed: seed)
        if let component = config.frequencyAdapter {
            precondition(config.adapterReduction > 0, "adapter reduction must be positive")
            let blocks = sam.image_encoder.namedModules().compactMap { item in
                (item.module as? any AdaptableEncoderBlock).map { (item.key, $0) }
            }
            guard !blocks.isEmpty else {
                throw ModuleReplacementError(path: "image_encoder", problem: "no attention block takes an adapter")
            }
            for (path, block) in blocks {
                let hidden = max(1, block.channels / config.adapterReduction)
                try sam.image_encoder.replaceModule(at: path + ".adapter", with: FrequencyAdapter(
                    channels: block.channels, hidden: hidden, component: component, generator: &generator))
            }
        }
        if let lora = config.lora {
            let attentions = sam.image_encoder.namedModules().compactMap { item in
                (item.module as? any FusedQKVAttention).map { (item.key, $0) }
            }
            guard !attentions.isEmpty else {
                throw ModuleReplacementError(path: "image_encoder", problem: "no attention has a fused qkv projection")
            }
            for (path, attention) in attentions {
                try sam.image_encoder.replaceModule(at: path + ".qkv", with: LoRALinear(
                    wrapping: attention.qkv, config: lora, rows: attention.queryAndValueRows, generator: &generator))
            }
        }
        decoder = ImplicitDecoder(config: config.decoder, generator: &generator)
    }

    /// (B, 3, S, S) normalised images → (B, 256, E, E) embeddings through the adapted encoder.
    public func embed(_ images: Tensor) -> Tensor { sam.image_encoder(images) }

    /// The decoder's answer at `points` for one image's `embedding` (1, 256, E, E) and a box
    /// (1, 4) x₁, y₁, x₂, y₂ in the encoder frame's pixels.
    public func predict(embedding: Tensor, box: Tensor, points: QueryPoints, seed: UInt64) -> ImplicitPrediction {
        let (sparse, _) = sam.prompt_encoder(SAMPromptTensors(boxes: box))
        let side = Float(sam.config.imageSize)
        return decoder(embedding: embedding, prompt: sparse, box: box.scalars.map { $0 / side }, points: points, seed: seed)
    }

    /// The foreground probability at `size` (the original image size, or any other) of the
    /// image whose `embedding` this is, held by `frame`, for a box (1, 4) in the frame: one
    /// query point per output pixel centre, row-major, with no upsampling of a fixed grid.
    public func probability(embedding: Tensor, box: Tensor, frame: SAMFrame, size: Size2D, seed: UInt64 = 0) -> [Float] {
        noGrad {
            predict(embedding: embedding, box: box, points: .grid(height: size.h, width: size.w, in: frame), seed: seed)
                .logits.sigmoid().scalars
        }
    }

    /// The mask (probability > 0.5) at `size` of the image whose `embedding` this is.
    public func mask(embedding: Tensor, box: Tensor, frame: SAMFrame, size: Size2D, seed: UInt64 = 0) -> Raster<UInt8> {
        let probability = self.probability(embedding: embedding, box: box, frame: frame, size: size, seed: seed)
        return Raster(width: size.w, height: size.h, pixels: probability.map { $0 > 0.5 ? 255 : 0 })
    }

    /// The mask of an image prepared for the encoder, at `size`.
    public func segment(_ input: SAMInput, box: Tensor, size: Size2D, seed: UInt64 = 0) -> Raster<UInt8> {
        mask(embedding: noGrad { embed(input.tensor) }, box: box, frame: input.frame, size: size, seed: seed)
    }

    /// The trained tensors: adapters, LoRA factors and the decoder, by key.
    public var trainedWeights: StateDict {
        let trained = Set(trainableParameters().map(\.key))
        return StateDict(stateDict().filter { trained.contains($0.key) })
    }

    /// Writes `trainedWeights` with the SAM config, this config, `refiner = imedsam` (so a
    /// reader knows the family) and a reference to the base SAM checkpoint (`baseFile`, its
    /// file name) whose frozen tensors the file leaves out.
    public func save(to url: URL, baseFile: String, metadata: [String: String] = [:]) throws {
        var file = ModelCheckpoint<SAM>(tensors: trainedWeights, storedConfig: sam.config,
                                        metadata: metadata.merging([Self.refinerMetadataKey: Self.refinerName]) { $1 })
        try file.encode(config, as: Self.configMetadataKey)
        try file.encode(baseReference(file: baseFile), as: SAMBaseReference.metadataKey)
        try file.write(to: url)
    }

    /// The frozen SAM's tensors (everything but the trained ones) as a base reference.
    func baseReference(file: String) -> SAMBaseReference {
        let trained = Set(trainableParameters().map(\.key))
        let base = StateDict(stateDict().filter { !trained.contains($0.key) })
        return SAMBaseReference(file: file, tensors: base.keys.count, fingerprint: SAMBaseReference.fingerprint(of: base, keys: base.keys))
    }

    /// Whether `url` is an I-MedSAM checkpoint (a safetensors file whose metadata says so).
    public static func isCheckpoint(_ url: URL) -> Bool {
        guard url.pathExtension.lowercased() == "safetensors",
              let file = try? ModelCheckpoint<SAM>(contentsOf: url) else { return false }
        return file.metadata[refinerMetadataKey] == refinerName
    }

    /// An I-MedSAM from a checkpoint written by `save(to:baseFile:)`, over the base SAM it
    /// names, looked up in `baseFolder`: the adapters and decoder the file records, with its
    /// weights. Errors name the file: not an I-MedSAM file, base missing or not the one it was
    /// trained on, missing or misshapen keys.
    public static func load(contentsOf url: URL, baseFolder: URL) throws -> IMedSAM {
        let (file, config, reference) = try readCheckpoint(url)
        let baseURL = baseFolder.appendingPathComponent(reference.file)
        guard FileManager.default.fileExists(atPath: baseURL.path) else {
            throw FormatError(url, "its base SAM \(baseURL.path) does not exist (run `make models`)")
        }
        let sam = try SAM.load(contentsOf: baseURL)
        if let saved = file.storedConfig, saved != sam.config {
            throw FormatError(url, "trained on SAM \(saved), its base \(baseURL.path) is \(sam.config)")
        }
        sam.setTraining(false)
        let model = try IMedSAM(sam: sam, config: config)
        let found = model.baseReference(file: reference.file)
        guard found == reference else {
            throw FormatError(url, "its base \(baseURL.path) is not the checkpoint it was trained on "
                + "(\(found.tensors) tensors with fingerprint \(found.fingerprint); expected \(reference.tensors) with \(reference.fingerprint))")
        }
        try file.tensors.assign(to: model.trainableParameters())
        return model
    }

    /// Sets this model's trained tensors from another I-MedSAM checkpoint over the same base
    /// SAM, for training in stages (the decoder alone on cached embeddings, then adapters and
    /// decoder together): its decoder, whose settings must equal this one's, and whatever
    /// adapter and LoRA tensors both models have. Returns the keys it set. Errors name the
    /// file: not an I-MedSAM checkpoint, another base, another decoder.
    @discardableResult
    public func start(from url: URL, baseFile: String) throws -> [String] {
        let (file, other, reference) = try Self.readCheckpoint(url)
        // Adapters are trainable in either model, so the frozen tensors (and their fingerprint)
        // are the base SAM's whatever the two configs.
        let base = baseReference(file: baseFile)
        guard reference.tensors == base.tensors && reference.fingerprint == base.fingerprint else {
            throw FormatError(url, "trained over another base SAM (\(reference.file)) than this run's \(baseFile)")
        }
        guard other.decoder == config.decoder else {
            throw FormatError(url, "its implicit decoder \(other.decoder) is not this run's \(config.decoder)")
        }
        let shared = trainableParameters().filter { file.tensors[$0.key] != nil }
        var tensors = StateDict(source: file.tensors.source)
        for (key, _) in shared { tensors[key] = file.tensors[key] }
        try tensors.assign(to: shared)
        return shared.map(\.key)
    }

    /// A checkpoint written by `save(to:baseFile:)` with the config and base reference its
    /// metadata records; any other file is an error naming it.
    static func readCheckpoint(_ url: URL) throws -> (file: ModelCheckpoint<SAM>, config: IMedSAMConfig, base: SAMBaseReference) {
        let file = try ModelCheckpoint<SAM>(contentsOf: url)
        guard file.metadata[refinerMetadataKey] == refinerName,
              let config = try file.decoded(configMetadataKey, as: IMedSAMConfig.self),
              let reference = try file.decoded(SAMBaseReference.metadataKey, as: SAMBaseReference.self) else {
            throw FormatError(url, "not an I-MedSAM checkpoint (no '\(refinerMetadataKey) = \(refinerName)', "
                + "'\(configMetadataKey)' and '\(SAMBaseReference.metadataKey)' metadata)")
        }
        return (file, config, reference)
    }

    /// The metadata key naming a checkpoint's refiner family.
    public static let refinerMetadataKey = "refiner"
    /// This family's name there, in job files (`refiner = "imedsam"`) and on the command line.
    public static let refinerName = "imedsam"
}
