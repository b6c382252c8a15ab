import Durable
import Foundation

/// Reads and writes safetensors files, the format of UltraRefiner's own checkpoints:
/// an 8-byte little-endian header length, a JSON header naming each tensor's dtype, shape and
/// byte range (plus free-form `__metadata__` strings), then the raw little-endian data.
public enum Safetensors {
    static let codes: [CheckpointDType: String] = [
        .float32: "F32", .float16: "F16", .bfloat16: "BF16", .float64: "F64", .int64: "I64",
        .int32: "I32", .int16: "I16", .int8: "I8", .uint8: "U8", .bool: "BOOL",
    ]

    /// Reads every tensor and the metadata strings.
    public static func read(_ url: URL) throws -> (tensors: StateDict, metadata: [String: String]) {
        let data: Data
        do { data = try Data(contentsOf: url, options: .mappedIfSafe) } catch {
            throw FormatError(url, "cannot read: \(error.localizedDescription)")
        }
        return try decode(data, source: url.path)
    }

    /// Decodes safetensors bytes; `source` names them in errors.
    public static func decode(_ data: Data, source: String) throws -> (tensors: StateDict, metadata: [String: String]) {
        guard data.count >= 8 else { throw FormatError(source, "safetensors: file is shorter than its 8-byte header length") }
        let headerLength = data.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard headerLength <= UInt64(data.count - 8), headerLength < 100_000_000 else {
            throw FormatError(source, "safetensors: header length \(headerLength) exceeds the file (\(data.count) bytes; truncated?)")
        }
        let headerBytes = data.subdata(in: 8..<8 + Int(headerLength))
        guard let header = (try? JSONSerialization.jsonObject(with: headerBytes)) as? [String: Any] else {
            throw FormatError(source, "safetensors: header is not a JSON object")
        }
        let body = 8 + Int(headerLength)
        var metadata: [String: String] = [:]
        var entries: [(String, CheckpointDType, [Int], Int, Int)] = []
        for (name, value) in header {
            if name == "__metadata__" {
                guard let meta = value as? [String: Any] else { throw FormatError(source, "safetensors: __metadata__ is not an object") }
                for (k, v) in meta {
                    guard let s = v as? String else { throw FormatError(source, "safetensors: metadata '\(k)' is not a string") }
                    metadata[k] = s
                }
                continue
            }
            guard let info = value as? [String: Any], let code = info["dtype"] as? String,
                  let shape = info["shape"] as? [Int], let offsets = info["data_offsets"] as? [Int], offsets.count == 2 else {
                throw FormatError(source, "safetensors: malformed entry for '\(name)'")
            }
            guard let dtype = codes.first(where: { $0.value == code })?.key else {
                throw FormatError(source, "safetensors: '\(name)' has unsupported dtype \(code)")
            }
            let count = shape.reduce(1, *)
            guard shape.allSatisfy({ $0 >= 0 }), offsets[0] >= 0, offsets[1] - offsets[0] == count * dtype.size,
                  body + offsets[1] <= data.count else {
                throw FormatError(source, "safetensors: '\(name)' byte range \(offsets) does not fit its shape \(shape) or the file (truncated?)")
            }
            entries.append((name, dtype, shape, offsets[0], offsets[1]))
        }
        var dict = StateDict(source: source)
        // Files list tensors in data order; keep that order for stable key listings.
        for (name, dtype, shape, begin, _) in entries.sorted(by: { $0.3 < $1.3 }) {
            let count = shape.reduce(1, *)
            let values = data.withUnsafeBytes { raw in
                let slice = UnsafeRawBufferPointer(rebasing: raw[(body + begin)...])
                return (0..<count).map { dtype.value(slice, $0) }
            }
            dict[name] = StoredTensor(shape: shape, dtype: dtype, values: values)
        }
        return (dict, metadata)
    }

    /// Encodes tensors (each in its recorded dtype: float32, or int64/bool/uint8 for integer
    /// buffers such as `num_batches_tracked`) and metadata.
    public static func encode(_ tensors: StateDict, metadata: [String: String] = [:]) throws -> Data {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var body = Data()
        for key in tensors.keys {
            let t = tensors[key]!
            let dtype: CheckpointDType = [.int64, .bool, .uint8].contains(t.dtype) ? t.dtype : .float32
            let begin = body.count
            switch dtype {
            case .int64: for v in t.values { withUnsafeBytes(of: Int64(v).littleEndian) { body.append(contentsOf: $0) } }
            case .bool, .uint8: body.append(contentsOf: t.values.map { UInt8(max(0, min(255, $0))) })
            default: t.values.withUnsafeBytes { body.append(contentsOf: $0) }  // little-endian hosts only
            }
            header[key] = ["dtype": codes[dtype]!, "shape": t.shape, "data_offsets": [begin, body.count]] as [String: Any]
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        // Pad the header with spaces so the data starts 8-byte aligned, as the reference writer does.
        while (8 + json.count) % 8 != 0 { json.append(0x20) }
        var out = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(json)
        out.append(body)
        return out
    }

    /// Writes tensors and metadata atomically.
    public static func write(_ tensors: StateDict, metadata: [String: String] = [:], to url: URL) throws {
        try AtomicFile.write(try encode(tensors, metadata: metadata), to: url)
    }
}
