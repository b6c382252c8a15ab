import Durable
import Foundation

/// Element types that checkpoints store. Values are converted to `Float` on load, since every
/// model here computes in float32; the original type is kept so writers can preserve it.
public enum CheckpointDType: String, Sendable, CaseIterable {
    case float32, float16, bfloat16, float64, int64, int32, int16, int8, uint8, bool

    /// Bytes per element in a checkpoint's storage.
    public var size: Int {
        switch self {
        case .float64, .int64: return 8
        case .float32, .int32: return 4
        case .float16, .bfloat16, .int16: return 2
        case .int8, .uint8, .bool: return 1
        }
    }

    /// PyTorch's legacy storage class names, as `torch.save` pickles them.
    init?(storageClass: String) {
        switch storageClass {
        case "FloatStorage": self = .float32
        case "HalfStorage": self = .float16
        case "BFloat16Storage": self = .bfloat16
        case "DoubleStorage": self = .float64
        case "LongStorage": self = .int64
        case "IntStorage": self = .int32
        case "ShortStorage": self = .int16
        case "CharStorage": self = .int8
        case "ByteStorage": self = .uint8
        case "BoolStorage": self = .bool
        default: return nil
        }
    }

    /// Decodes element `index` of little-endian `bytes` as a Float.
    func value(_ bytes: UnsafeRawBufferPointer, _ index: Int) -> Float {
        let at = index * size
        switch self {
        case .float32: return Float(bitPattern: bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self).littleEndian)
        case .float16: return Float(Float16(bitPattern: bytes.loadUnaligned(fromByteOffset: at, as: UInt16.self).littleEndian))
        case .bfloat16:
            return Float(bitPattern: UInt32(bytes.loadUnaligned(fromByteOffset: at, as: UInt16.self).littleEndian) << 16)
        case .float64: return Float(Double(bitPattern: bytes.loadUnaligned(fromByteOffset: at, as: UInt64.self).littleEndian))
        case .int64: return Float(Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: Int64.self)))
        case .int32: return Float(Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: Int32.self)))
        case .int16: return Float(Int16(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: Int16.self)))
        case .int8: return Float(Int8(bitPattern: bytes[at]))
        case .uint8: return Float(bytes[at])
        case .bool: return bytes[at] != 0 ? 1 : 0
        }
    }
}

/// One named tensor of a checkpoint: contiguous row-major float32 values with their shape.
public struct StoredTensor: Sendable, Equatable {
    public var shape: [Int]
    /// The type it was stored as (values are always converted to Float).
    public var dtype: CheckpointDType
    public var values: [Float]

    public init(shape: [Int], dtype: CheckpointDType = .float32, values: [Float]) {
        precondition(values.count == shape.reduce(1, *), "StoredTensor: \(values.count) values for shape \(shape)")
        self.shape = shape
        self.dtype = dtype
        self.values = values
    }

    /// Formats a shape the way PyTorch prints it, for error messages.
    public static func describe(_ shape: [Int]) -> String {
        "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }
}

/// Named tensors in the order the checkpoint lists them; names are PyTorch state-dict keys.
public struct StateDict: Sendable, Equatable {
    public private(set) var keys: [String] = []
    public private(set) var tensors: [String: StoredTensor] = [:]
    /// Where it was read from, for error messages.
    public var source: String

    public init(source: String = "<memory>") { self.source = source }

    public subscript(key: String) -> StoredTensor? {
        get { tensors[key] }
        set {
            if tensors[key] == nil, newValue != nil { keys.append(key) }
            if newValue == nil { keys.removeAll { $0 == key } }
            tensors[key] = newValue
        }
    }

    public var count: Int { keys.count }

    /// The tensor for `key`, checked against the shape a model expects.
    public func tensor(_ key: String, shape: [Int]) throws -> StoredTensor {
        guard let t = tensors[key] else { throw FormatError(source, "missing key '\(key)'") }
        guard t.shape == shape else {
            throw FormatError(source, "shape mismatch for '\(key)': checkpoint has \(StoredTensor.describe(t.shape)), model expects \(StoredTensor.describe(shape))")
        }
        return t
    }

    /// The shape stored under `key`; when there is none, an error naming the file, the key and
    /// what the caller read it for (`what` as "not a SAM ViT checkpoint").
    public func shape(of key: String, reading what: String) throws -> [Int] {
        guard let t = tensors[key] else { throw FormatError(source, "\(what): no '\(key)'") }
        return t.shape
    }

    /// The entries under `prefix.` with the prefix removed (e.g. `image_encoder`).
    public func subtree(_ prefix: String) -> StateDict {
        var out = StateDict(source: source)
        let head = prefix + "."
        for key in keys where key.hasPrefix(head) { out[String(key.dropFirst(head.count))] = tensors[key] }
        return out
    }

    /// Checks that the keys are exactly `expected`, listing missing and unexpected ones.
    public func requireKeys(_ expected: some Sequence<String>) throws {
        let want = Set(expected)
        let have = Set(keys)
        let missing = want.subtracting(have).sorted()
        let unexpected = have.subtracting(want).sorted()
        guard missing.isEmpty && unexpected.isEmpty else {
            var parts: [String] = []
            if !missing.isEmpty { parts.append("missing keys: \(missing.joined(separator: ", "))") }
            if !unexpected.isEmpty { parts.append("unexpected keys: \(unexpected.joined(separator: ", "))") }
            throw FormatError(source, parts.joined(separator: "; "))
        }
    }
}
