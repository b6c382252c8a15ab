import Durable
import Foundation
import Formats
import Pixels
import Tensor

/// Image embeddings kept on disk, so repeated prompts on one image and training with a
/// frozen encoder skip the expensive encoder pass.
///
/// A cache is opened for one model: the image encoder's weights are fingerprinted once, then,
/// so lookups cost a hash of the image only. An entry is keyed by the image's content (pixels
/// and size), that fingerprint (fine-tuned or LoRA-merged encoders never share entries with the
/// base model) and the preprocessing. Open a new cache after changing the encoder's weights.
/// Entries are `.npy` files written atomically.
public struct SAMEmbeddingCache: Sendable {
    /// The folder holding the entries.
    public let directory: URL
    /// The encoder's fingerprint when the cache was opened.
    public let modelFingerprint: UInt64
    /// (1, C, E, E) of the model's embeddings; a stored entry of another shape is refused.
    public let embeddingShape: [Int]

    /// A cache in `directory` (created if needed) for `model`'s current encoder weights.
    public init(directory: URL, model: SAM) throws {
        self.directory = directory
        modelFingerprint = Self.fingerprint(model)
        let side = model.config.embeddingSize
        embeddingShape = [1, SAMConfig.promptEmbedDim, side, side]
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// The entry's file for an image prepared with `preprocessing`.
    public func url(for image: Raster<UInt8>, preprocessing: SAMPreprocessing) -> URL {
        let name = String(format: "%016llx-%016llx-%@.npy", Self.fingerprint(image), modelFingerprint,
                          preprocessing.description)
        return directory.appendingPathComponent(name)
    }

    /// The stored embedding, or `compute()`'s result, stored for next time.
    public func embedding(for image: Raster<UInt8>, preprocessing: SAMPreprocessing,
                          compute: () throws -> Tensor) throws -> Tensor {
        let file = url(for: image, preprocessing: preprocessing)
        if FileManager.default.fileExists(atPath: file.path) {
            let stored = try NPY.read(file)
            guard stored.shape == embeddingShape, stored.dtype == .float32 else {
                throw FormatError(file, "cached embedding has shape \(stored.shape) \(stored.dtype), expected \(embeddingShape) float32")
            }
            return Tensor(stored.floats(), shape: embeddingShape)
        }
        let fresh = try compute()
        try NPY.write(NPYArray(float32: fresh.scalars, shape: fresh.shape), to: file)
        return fresh
    }

    /// The image's size and pixels.
    static func fingerprint(_ image: Raster<UInt8>) -> UInt64 {
        var hash = WordHash()
        for v in [image.width, image.height, image.channels] { hash.add(UInt64(v)) }
        image.pixels.withUnsafeBytes { hash.add(bytes: $0) }
        return hash.value
    }

    /// The image encoder's parameter names, weights and input size.
    static func fingerprint(_ model: SAM) -> UInt64 {
        var hash = WordHash()
        for (key, entry) in model.image_encoder.namedEntries() {
            Array(key.utf8).withUnsafeBytes { hash.add(bytes: $0) }
            let value: Tensor
            switch entry {
            case .parameter(let p): value = p.value
            case .buffer(let b): value = b.value
            }
            value.withUnsafeBufferPointer { hash.add(bytes: UnsafeRawBufferPointer($0)) }
        }
        hash.add(UInt64(model.config.imageSize))
        return hash.value
    }
}

/// A 64-bit multiply–xor hash over 8-byte words with FNV's offset and prime. Not FNV-1a,
/// which works byte by byte: taking a word at a time is 8× faster over 90 M weights, and a
/// content fingerprint needs spread, not FNV's exact values.
private struct WordHash {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func add(_ word: UInt64) {
        value = (value ^ word) &* 0x0000_0100_0000_01b3
    }

    mutating func add(bytes: UnsafeRawBufferPointer) {
        let words = bytes.count / 8
        for i in 0..<words { add(bytes.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)) }
        for i in (words * 8)..<bytes.count { add(UInt64(bytes[i])) }
        add(UInt64(bytes.count))
    }
}
