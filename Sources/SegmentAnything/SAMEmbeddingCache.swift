import Durable
import Formats
import Foundation
import Imaging
import NN
import Pixels
import Tensor

/// Image embeddings kept on disk, so repeated prompts on one image and training with a
/// frozen encoder skip the expensive encoder pass.
///
/// An entry is keyed by the image's content (pixels and size), the model's identity (a hash
/// of the image encoder's weights, so fine-tuned or LoRA-merged encoders never share entries
/// with the base model) and the preprocessing mode. Entries are `.npy` files written atomically.
public struct SAMEmbeddingCache: Sendable {
    /// The folder holding the entries.
    public let directory: URL

    /// A cache in `directory`, created if needed.
    public init(directory: URL) throws {
        self.directory = directory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// The entry's file for an image, mode and model.
    public func url(for image: Raster<UInt8>, mode: SAMInputMode, model: SAM) -> URL {
        let name = String(format: "%016llx-%016llx-%@.npy", Self.fingerprint(image), Self.fingerprint(model),
                          mode.description)
        return directory.appendingPathComponent(name)
    }

    /// The stored embedding, or `compute()`'s result, stored for next time.
    public func embedding(for image: Raster<UInt8>, mode: SAMInputMode, model: SAM,
                          compute: () throws -> Tensor) throws -> Tensor {
        let file = url(for: image, mode: mode, model: model)
        let side = model.config.embeddingSize
        let expected = [1, SAMConfig.promptEmbedDim, side, side]
        if FileManager.default.fileExists(atPath: file.path) {
            let stored = try NPY.read(file)
            guard stored.shape == expected, stored.dtype == .float32 else {
                throw FormatError(file, "cached embedding has shape \(stored.shape) \(stored.dtype), expected \(expected) float32")
            }
            return Tensor(stored.floats(), shape: expected)
        }
        let fresh = try compute()
        try NPY.write(NPYArray(float32: fresh.scalars, shape: fresh.shape), to: file)
        return fresh
    }

    /// FNV-1a over the image's size and pixels.
    static func fingerprint(_ image: Raster<UInt8>) -> UInt64 {
        var hash = FNV1a()
        for v in [image.width, image.height, image.channels] { hash.add(UInt64(v)) }
        image.pixels.withUnsafeBytes { hash.add(bytes: $0) }
        return hash.value
    }

    /// FNV-1a over the image encoder's configuration and weights.
    static func fingerprint(_ model: SAM) -> UInt64 {
        var hash = FNV1a()
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

/// 64-bit FNV-1a, word-at-a-time over 8-byte chunks (fast enough for 90 M weights).
private struct FNV1a {
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
