import Durable
import Formats
import Foundation
import Refiners
import SegmentAnything
import TransUNetModel

/// Which weights the chain runs: a model kept in the models folder by name (`models/NAME/`,
/// the shipped `default` one when nothing else is said), with either network replaced by an
/// explicit weights file. Both files given means no named model is needed.
public struct ModelSelection: Sendable, Equatable {
    /// The folder of named models, each `NAME/ultrarefiner.safetensors`, and of `base/`, the
    /// pretrained checkpoints `make models` fetches (a shipped model may store only its changes
    /// to one of them).
    public var root: URL
    /// The named model, or nil for explicit files only.
    public var name: String?
    /// TransUNet weights replacing the named model's coarse network.
    public var transunet: URL?
    /// SAM weights replacing the named model's refiner.
    public var sam: URL?
    /// The TransUNet preset (or `auto`) for an explicit TransUNet file that stores no config.
    public var transunetConfig: String?

    /// Where `make models` and the repository keep models, relative to the working folder.
    public static let defaultRoot = URL(fileURLWithPath: "models")
    /// The model that ships with the project, trained on BUSI by its own pipeline.
    public static let defaultName = "default"
    /// Where `make models` puts the pretrained LiteMedSAM.
    public static var baseLiteMedSAM: URL { defaultRoot.appendingPathComponent("base/lite_medsam.pth") }

    public init(root: URL = ModelSelection.defaultRoot, name: String? = ModelSelection.defaultName,
                transunet: URL? = nil, sam: URL? = nil, transunetConfig: String? = nil) {
        self.root = root
        self.name = name
        self.transunet = transunet
        self.sam = sam
        self.transunetConfig = transunetConfig
    }

    /// `root/base/`, where checkpoints that store only their changes find their base.
    public var baseFolder: URL { root.appendingPathComponent("base") }

    /// Whether the named model is used at all (not when both networks are given as files).
    public var usesNamedModel: Bool { transunet == nil || sam == nil }

    /// The named model's joint checkpoint.
    public func namedWeights() throws -> URL {
        guard let name else {
            throw FormatError(root, "no model named: name one, or give both TransUNet and SAM weights")
        }
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }), !name.hasPrefix(".") else {
            throw FormatError(root, "'\(name)' is not a model name (letters, digits, '-', '_' and '.')")
        }
        return root.appendingPathComponent(name).appendingPathComponent("ultrarefiner.safetensors")
    }

    /// The named model's GRU click corrector (`corrector.safetensors` beside its weights), which
    /// a model may lack; nil without a named model.
    public var correctorWeights: URL? {
        name.map { root.appendingPathComponent($0).appendingPathComponent("corrector.safetensors") }
    }

    /// Checks, before anything loads, that every file the selection needs exists; the error
    /// names the missing file.
    public func validate() throws {
        var files: [(String, URL)] = []
        if usesNamedModel {
            files.append(("no model '\(name ?? "")' in the models folder \(root.path) (relative to the working folder unless absolute)",
                          try namedWeights()))
        }
        if let transunet { files.append(("transunet weights file does not exist", transunet)) }
        if let sam { files.append(("sam weights file does not exist", sam)) }
        for (problem, url) in files {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue else {
                throw FormatError(url, problem)
            }
        }
    }
}

extension RefinementModels {
    /// Loads what `selection` names: explicit files where given, the named model for the rest.
    public convenience init(selection: ModelSelection, samPreprocessing: SAMPreprocessing? = nil,
                            embeddingCache: URL? = nil) throws {
        if let transunet = selection.transunet, let sam = selection.sam {
            try self.init(transunet: transunet, sam: sam, samPreprocessing: samPreprocessing,
                          transunetConfig: selection.transunetConfig, embeddingCache: embeddingCache,
                          baseFolder: selection.baseFolder)
            return
        }
        let weights = try selection.namedWeights()
        let joint = try UltraRefinerModel.load(contentsOf: weights, baseFolder: selection.baseFolder)
        let id = Self.identify(weights)
        let coarse = try selection.transunet.map { try TransUNetPredictor(checkpoint: $0, configName: selection.transunetConfig) }
            ?? TransUNetPredictor(model: joint.transunet)
        let refiner = try selection.sam.map { try Self.loadRefiner($0, baseFolder: selection.baseFolder) }
            ?? (sam: joint.sam, imedsam: nil)
        try self.init(coarse: coarse, sam: refiner.sam, imedsam: refiner.imedsam, samPreprocessing: samPreprocessing,
                      embeddingCache: embeddingCache,
                      transunetID: selection.transunet.map(Self.identify) ?? id, samID: selection.sam.map(Self.identify) ?? id)
        if let file = selection.correctorWeights, FileManager.default.fileExists(atPath: file.path) {
            corrector = LoadedCorrector(model: try GRUCorrector.load(contentsOf: file), id: Self.identify(file))
        }
    }
}
