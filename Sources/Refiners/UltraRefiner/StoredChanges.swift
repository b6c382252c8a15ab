import Durable
import Formats
import Foundation
import NN
import SegmentAnything

/// The base SAM checkpoint that a joint checkpoint stored as changes leaves out. The refiner
/// tensors training did not change (a frozen LiteMedSAM image encoder) are not stored twice
/// but read again from this file, which `make models` fetches; the fingerprint makes a
/// different base file an error instead of a model that quietly gives other masks.
public struct SAMBaseReference: Codable, Equatable, Sendable {
    /// The metadata key that holds this reference in a joint checkpoint.
    public static let metadataKey = "sam_base"

    /// File name of the base checkpoint (e.g. `lite_medsam.pth`), found in the loader's base folder.
    public var file: String
    /// How many `sam.*` tensors come from it.
    public var tensors: Int
    /// 64-bit FNV-1a over those tensors' names, shapes and value bits, in hex.
    public var fingerprint: String

    public init(file: String, tensors: Int, fingerprint: String) {
        self.file = file
        self.tensors = tensors
        self.fingerprint = fingerprint
    }

    /// The fingerprint of `keys` of `dict`, in the order given.
    static func fingerprint(of dict: StateDict, keys: [String]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ byte: UInt8) {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        for key in keys {
            let tensor = dict[key]!
            key.utf8.forEach(mix)
            for side in tensor.shape { withUnsafeBytes(of: UInt64(side).littleEndian) { $0.forEach(mix) } }
            for value in tensor.values { withUnsafeBytes(of: value.bitPattern.littleEndian) { $0.forEach(mix) } }
        }
        return String(format: "%016llx", hash)
    }
}

extension UltraRefinerModel {
    /// This model's checkpoint without the `sam.*` tensors that equal `base`'s bit for bit (`base`:
    /// the refiner's starting checkpoint, read from a file named `baseFile`), with a reference
    /// that lets `load(contentsOf:baseFolder:)` take them from that file again.
    public func checkpointStoringChanges(from base: StateDict, baseFile: String,
                                         metadata: [String: String] = [:]) throws -> ModelCheckpoint<UltraRefinerModel> {
        let saved = savedWeights
        var kept = StateDict()
        var fromBase: [String] = []
        for key in saved.keys {
            let tensor = saved[key]!
            if key.hasPrefix("sam."), let original = base[String(key.dropFirst(4))], original.shape == tensor.shape,
               original.values.elementsEqual(tensor.values, by: { $0.bitPattern == $1.bitPattern }) {
                fromBase.append(key)
            } else {
                kept[key] = tensor
            }
        }
        var checkpoint = ModelCheckpoint<UltraRefinerModel>(tensors: kept, storedConfig: config, metadata: metadata)
        if !fromBase.isEmpty {
            let reference = SAMBaseReference(file: baseFile, tensors: fromBase.count,
                                             fingerprint: SAMBaseReference.fingerprint(of: saved, keys: fromBase))
            try checkpoint.encode(reference, as: SAMBaseReference.metadataKey)
        }
        return checkpoint
    }

    /// Reads a joint checkpoint; one stored as changes gets its missing `sam.*` tensors from the
    /// base checkpoint it names, looked up in `baseFolder`. Errors name the file and the problem
    /// (base missing, other tensors than recorded, a tensor that neither file holds).
    public static func load(contentsOf url: URL, baseFolder: URL) throws -> UltraRefinerModel {
        var checkpoint = try ModelCheckpoint<UltraRefinerModel>(contentsOf: url)
        guard let reference = try checkpoint.decoded(SAMBaseReference.metadataKey, as: SAMBaseReference.self) else {
            return try load(checkpoint)
        }
        let baseURL = baseFolder.appendingPathComponent(reference.file)
        guard FileManager.default.fileExists(atPath: baseURL.path) else {
            throw FormatError(url, "stores only what training changed; the rest comes from \(baseURL.path), which does not exist (run `make models`)")
        }
        let config = try checkpoint.config()
        let base = try ModelCheckpoint<SAM>(contentsOf: baseURL).tensors
        var filled: [String] = []
        for key in SAM.build(config.sam).savedWeights.keys where checkpoint.tensors["sam.\(key)"] == nil {
            guard let tensor = base[key] else {
                throw FormatError(url, "tensor 'sam.\(key)' is in neither this file nor its base \(baseURL.path)")
            }
            checkpoint.tensors["sam.\(key)"] = tensor
            filled.append("sam.\(key)")
        }
        let fingerprint = SAMBaseReference.fingerprint(of: checkpoint.tensors, keys: filled)
        guard filled.count == reference.tensors, fingerprint == reference.fingerprint else {
            throw FormatError(url, "its base \(baseURL.path) is not the checkpoint it was saved against "
                + "(\(filled.count) tensors with fingerprint \(fingerprint); expected \(reference.tensors) with \(reference.fingerprint))")
        }
        return try load(checkpoint)
    }
}
