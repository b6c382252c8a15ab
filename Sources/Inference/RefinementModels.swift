import Durable
import Formats
import Foundation
import Imaging
import Refiners
import SegmentAnything
import Tensor
import TransUNetModel

/// The networks the inference lane runs — TransUNet for the coarse probability, SAM for the
/// refinement — loaded from the configured weights at start-up and on reload. An instance is
/// used by one thread at a time (the inference lane); a reload builds a new one.
public final class RefinementModels: @unchecked Sendable {
    /// The coarse stage.
    public let coarse: TransUNetPredictor
    /// TransUNet → prompts → SAM.
    public let refiner: UltraRefinerModel
    /// I-MedSAM over `refiner.sam` (whose encoder then carries its adapters), when the refiner
    /// weights are an I-MedSAM checkpoint: its implicit decoder makes the refined mask, at the
    /// original size, from the chain's box prompt.
    public let imedsam: IMedSAM?
    /// How images enter SAM (`[model] preprocessing` and `sam_normalization`).
    public let samPreprocessing: SAMPreprocessing
    /// Where image embeddings are kept between runs (`ultrarefiner infer --embedding-cache`):
    /// worth it when one image is refined again with other prompts. The daemon keeps none, as
    /// a cache it never prunes would grow with every image it sees.
    public let embeddingCache: SAMEmbeddingCache?
    /// What was loaded, for logs: file name, size and modification time of each weight file.
    public let transunetID: String
    public let samID: String
    /// The named model's GRU click corrector, when it has one (the daemon's correction rounds need
    /// it).
    public internal(set) var corrector: LoadedCorrector?

    /// Loads both weight files; any problem is a configuration error naming the file.
    /// `samPreprocessing` nil means the SAM family's default for the chain (see
    /// `defaultPreprocessing(for:)`); `embeddingCache` names a folder for cached image embeddings;
    /// `baseFolder` is where an I-MedSAM checkpoint's base SAM is found.
    public convenience init(transunet: URL, sam: URL, samPreprocessing: SAMPreprocessing? = nil,
                            transunetConfig: String? = nil, embeddingCache: URL? = nil,
                            baseFolder: URL = ModelSelection.baseLiteMedSAM.deletingLastPathComponent()) throws {
        let coarse = try TransUNetPredictor(checkpoint: transunet, configName: transunetConfig)
        let refiner = try Self.loadRefiner(sam, baseFolder: baseFolder)
        try self.init(coarse: coarse, sam: refiner.sam, imedsam: refiner.imedsam, samPreprocessing: samPreprocessing,
                      embeddingCache: embeddingCache, transunetID: Self.identify(transunet), samID: Self.identify(sam))
    }

    /// Loads a joint checkpoint of the end-to-end phase (`transunet.*` and `sam.*` keys with
    /// both configs), whose two networks were trained together; one stored as changes to a base
    /// checkpoint finds it in `models/base/`.
    public convenience init(ultrarefiner: URL, samPreprocessing: SAMPreprocessing? = nil, embeddingCache: URL? = nil) throws {
        let joint = try UltraRefinerModel.load(contentsOf: ultrarefiner,
                                               baseFolder: ModelSelection.baseLiteMedSAM.deletingLastPathComponent())
        let id = Self.identify(ultrarefiner)
        try self.init(coarse: TransUNetPredictor(model: joint.transunet), sam: joint.sam, samPreprocessing: samPreprocessing,
                      embeddingCache: embeddingCache, transunetID: id, samID: id)
    }

    init(coarse: TransUNetPredictor, sam: SAM, imedsam: IMedSAM? = nil, samPreprocessing: SAMPreprocessing?, embeddingCache: URL?,
                 transunetID: String, samID: String) throws {
        precondition(imedsam.map { $0.sam === sam } ?? true, "I-MedSAM must wrap the chain's SAM")
        self.coarse = coarse
        sam.setTraining(false)
        refiner = UltraRefinerModel(transunet: coarse.model, sam: sam)
        self.imedsam = imedsam
        self.samPreprocessing = samPreprocessing ?? Self.defaultPreprocessing(for: sam.config)
        self.embeddingCache = try embeddingCache.map { try SAMEmbeddingCache(directory: $0, model: sam) }
        self.transunetID = transunetID
        self.samID = samID
    }

    /// The refiner a weights file holds: an I-MedSAM checkpoint (its metadata says so) over
    /// the base SAM it names, found in `baseFolder`, or any SAM checkpoint.
    static func loadRefiner(_ url: URL, baseFolder: URL) throws -> (sam: SAM, imedsam: IMedSAM?) {
        guard IMedSAM.isCheckpoint(url) else { return (try SAM.load(contentsOf: url), nil) }
        let model = try IMedSAM.load(contentsOf: url, baseFolder: baseFolder)
        return (model.sam, model)
    }

    /// The chain's preprocessing when none is configured: a TinyViT (LiteMedSAM) refiner gets
    /// its own recipe, which its weights need; a ViT SAM keeps the chain's square form with
    /// SAM's normalisation, which the refiner is fine-tuned with.
    public static func defaultPreprocessing(for config: SAMConfig) -> SAMPreprocessing {
        switch config.encoder {
        case .vit: .square(.sam)
        case .tinyViT: config.officialPreprocessing
        }
    }

    /// `name (N bytes, modified TIME)`: enough to tell which weights produced an output.
    public static func identify(_ url: URL) -> String {
        let attributes = try? FileManager.default.attributesOfItem(atPath: url.path)
        let size = (attributes?[.size] as? NSNumber)?.intValue ?? 0
        let modified = (attributes?[.modificationDate] as? Date).map { ISO8601DateFormatter().string(from: $0) } ?? "?"
        return "\(url.path) (\(size) bytes, modified \(modified))"
    }
}

/// A GRU corrector with the id its correction states are tied to (`identify` of its file).
public struct LoadedCorrector {
    public let model: GRUCorrector
    public let id: String

    public init(model: GRUCorrector, id: String) {
        self.model = model
        self.id = id
    }
}
