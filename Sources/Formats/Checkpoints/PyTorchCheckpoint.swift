import Durable
import Foundation
import Tensor

/// Reads PyTorch `.pth` checkpoints written by `torch.save` (the zip format of PyTorch ≥ 1.6)
/// without Python: the zip container, the pickle subset state dicts use, and the raw storages.
///
/// Nothing in the pickle is executed; unknown classes only fail when a requested tensor lives
/// inside them. Strided and offset views (tied or sliced weights) are materialised contiguously.
public enum PyTorchCheckpoint {
    /// Names under which training scripts commonly nest the model's state dict.
    static let nestedStateDictKeys = ["state_dict", "model", "model_state_dict", "net", "network"]
    /// Deepest dict nesting read; real state dicts nest a few levels (`model.encoder.layer.0...`
    /// keys are flat strings, not nested dicts).
    static let maxNesting = 64

    /// Reads the state dict in `url`. `prefix` selects a nested dict by dotted path
    /// (e.g. `"model"` for `{"model": state_dict, "epoch": 3}`); without it the top level is
    /// used when it holds tensors, else the single conventional nested key that does.
    public static func read(_ url: URL, prefix: String? = nil) throws -> StateDict {
        let source = url.path
        guard FileManager.default.fileExists(atPath: source) else { throw FormatError(url, "no such file") }
        let head = try FileHandle(forReadingFrom: url).read(upToCount: 4) ?? Data()
        guard head.count == 4 else { throw FormatError(url, "file is empty or truncated (\(head.count) bytes)") }
        guard head.starts(with: [0x50, 0x4B, 0x03, 0x04]) else {
            if head.first == 0x80 {
                throw FormatError(url, "legacy (pre-1.6, non-zip) torch.save format is not supported; re-save it with a current PyTorch (torch.save(torch.load(f), f2))")
            }
            throw FormatError(url, "not a PyTorch checkpoint (no zip header)")
        }
        let archive: ZipArchive
        do {
            archive = try ZipArchive(url)
        } catch let error as FormatError {
            throw FormatError(url, "unreadable zip container: \(error.problem)")
        }
        guard let pickleEntry = archive.members.first(where: { $0.path.hasSuffix("data.pkl") && $0.path.split(separator: "/").count == 2 }) else {
            throw FormatError(url, "zip container has no <archive>/data.pkl record (not a torch.save file?)")
        }
        let root = String(pickleEntry.path.dropLast("data.pkl".count))
        let byteOrder = archive[root + "byteorder"].flatMap { try? String(decoding: archive.read($0), as: UTF8.self) } ?? "little"
        guard byteOrder == "little" || byteOrder == "big" else { throw FormatError(url, "unknown byteorder '\(byteOrder)'") }

        var unpickler = Unpickler(try archive.read(pickleEntry), source: source)
        defer { unpickler.releaseContainers() }
        let top = try unpickler.load()
        let selected = try select(top, prefix: prefix, source: source)

        var storages: [String: Data] = [:]
        var dict = StateDict(source: source)
        for (key, reference) in try flatten(selected, source: source) {
            if storages[reference.storage.key] == nil {
                guard let entry = archive[root + "data/" + reference.storage.key] else {
                    throw FormatError(url, "storage record data/\(reference.storage.key) for '\(key)' is missing")
                }
                var bytes = try archive.read(entry)
                if byteOrder == "big" { swapBytes(&bytes, width: reference.storage.dtype.size) }
                storages[reference.storage.key] = bytes
            }
            dict[key] = try materialise(reference, from: storages[reference.storage.key]!, key: key, source: source)
        }
        return dict
    }

    private static func swapBytes(_ data: inout Data, width: Int) {
        guard width > 1 else { return }
        data.withUnsafeMutableBytes { raw in
            let p = raw.bindMemory(to: UInt8.self)
            var i = 0
            while i + width <= p.count {
                var a = i, b = i + width - 1
                while a < b { p.swapAt(a, b); a += 1; b -= 1 }
                i += width
            }
        }
    }

    private static func entries(_ value: PickleValue) -> [(String, PickleValue)]? {
        guard case .dict(let d) = value else { return nil }
        return d.entries.compactMap { entry in
            switch entry.key {
            case .string(let s): return (s, entry.value)
            case .int(let i): return (String(i), entry.value)
            default: return nil
            }
        }
    }

    private static func containsTensors(_ value: PickleValue) -> Bool {
        entries(value)?.contains { if case .tensor = $0.1 { return true } else { return false } } ?? false
    }

    private static func select(_ top: PickleValue, prefix: String?, source: String) throws -> PickleValue {
        guard let topEntries = entries(top) else {
            throw FormatError(source, "checkpoint holds a \(top.typeName), not a dict of tensors")
        }
        if let prefix, !prefix.isEmpty {
            var current = top
            for part in prefix.split(separator: ".").map(String.init) {
                guard let next = entries(current)?.first(where: { $0.0 == part })?.1 else {
                    let available = entries(current)?.map(\.0).joined(separator: ", ") ?? ""
                    throw FormatError(source, "no entry '\(part)' of prefix '\(prefix)' (available: \(available))")
                }
                current = next
            }
            return current
        }
        if containsTensors(top) { return top }
        let nested = topEntries.filter { nestedStateDictKeys.contains($0.0) && containsTensors($0.1) }
        if nested.count == 1 { return nested[0].1 }
        throw FormatError(source, "no state dict at the top level; choose one with a prefix (top-level keys: \(topEntries.map(\.0).joined(separator: ", ")))")
    }

    /// Tensors of nested dicts under dotted keys, in checkpoint order; non-tensor leaves
    /// (epochs, hyper-parameters) are skipped.
    private static func flatten(_ value: PickleValue, source: String, prefix: String = "",
                                depth: Int = 0) throws -> [(String, TensorReference)] {
        // Bounded so that a dict holding itself (possible through the pickle memo) or a
        // hostile nesting cannot recurse until the stack overflows.
        guard depth < maxNesting else {
            throw FormatError(source, "dicts nested deeper than \(maxNesting) levels under '\(prefix)' (or a dict that contains itself)")
        }
        var out: [(String, TensorReference)] = []
        for (key, item) in entries(value) ?? [] {
            let name = prefix.isEmpty ? key : prefix + "." + key
            switch item {
            case .tensor(let t): out.append((name, t))
            case .dict: out += try flatten(item, source: source, prefix: name, depth: depth + 1)
            default: continue
            }
        }
        return out
    }

    private static func materialise(_ ref: TensorReference, from storage: Data, key: String, source: String) throws -> StoredTensor {
        let dtype = ref.storage.dtype
        let (storageBytes, tooLarge) = ref.storage.count.multipliedReportingOverflow(by: dtype.size)
        guard ref.storage.count >= 0, !tooLarge else {
            throw FormatError(source, "storage data/\(ref.storage.key) for '\(key)' declares an impossible \(ref.storage.count) elements")
        }
        guard storage.count >= storageBytes else {
            throw FormatError(source, "storage data/\(ref.storage.key) for '\(key)' holds \(storage.count) bytes, expected \(storageBytes) (truncated?)")
        }
        guard ref.shape.allSatisfy({ $0 >= 0 }) else { throw FormatError(source, "'\(key)' has a negative size") }
        let view = "offset \(ref.offset), size \(ref.shape), stride \(ref.strides), storage \(ref.storage.count)"
        // Each element read must come from the storage, so a pickle of a few bytes cannot ask
        // for a huge tensor by repeating elements (zero strides; torch.save writes none for weights).
        guard let count = ref.elementCount, count <= ref.storage.count else {
            throw FormatError(source, "'\(key)' has more elements than its storage (\(view))")
        }
        if count == 0 { return StoredTensor(shape: ref.shape, dtype: dtype, values: []) }
        // The largest element index the view touches must lie inside the storage.
        guard ref.offset >= 0, ref.strides.allSatisfy({ $0 >= 0 }), let last = ref.lastStorageIndex,
              last < ref.storage.count else {
            throw FormatError(source, "'\(key)' views elements outside its storage (\(view))")
        }
        var values = [Float](repeating: 0, count: count)
        if dtype == .float32 && ref.strides == contiguousStrides(ref.shape) {
            // The common case (every official weight): one copy, no per-element decoding.
            values.withUnsafeMutableBytes { out in
                storage.withUnsafeBytes { raw in
                    out.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[(ref.offset * 4)..<((ref.offset + count) * 4)]))
                }
            }
            return StoredTensor(shape: ref.shape, dtype: dtype, values: values)
        }
        storage.withUnsafeBytes { raw in
            var index = [Int](repeating: 0, count: ref.shape.count)
            var position = ref.offset
            for i in 0..<count {
                values[i] = dtype.value(raw, position)
                // Advance the multi-index like an odometer, updating the storage position.
                var axis = ref.shape.count - 1
                while axis >= 0 {
                    // Wrapping: stepping past an axis's end (a size-1 axis may carry any stride)
                    // can leave Int's range, yet every position read is back inside the storage.
                    index[axis] += 1
                    position &+= ref.strides[axis]
                    if index[axis] < ref.shape[axis] { break }
                    position &-= ref.strides[axis] &* ref.shape[axis]
                    index[axis] = 0
                    axis -= 1
                }
            }
        }
        return StoredTensor(shape: ref.shape, dtype: dtype, values: values)
    }
}
