import Durable
import Foundation
import Tensor

/// Writes state dicts as `torch.save` does (zip format, pickle protocol 2), so checkpoints
/// trained here load with a plain `torch.load` in the original PyTorch code.
///
/// The pickle is the exact shape `torch.save(OrderedDict)` produces: an `OrderedDict` of
/// `torch._utils._rebuild_tensor_v2(storage, 0, size, stride, False, OrderedDict())` calls,
/// each storage a persistent id `('storage', torch.FloatStorage, key, 'cpu', numel)` whose
/// bytes are the archive record `data/<key>`.
enum StateDictPickler {
    static func pickle(_ state: StateDict) -> Data {
        var out = Data([0x80, 0x02])  // PROTO 2
        func global(_ module: String, _ name: String) { out.append(0x63); out.append(contentsOf: Array("\(module)\n\(name)\n".utf8)) }
        func string(_ s: String) {
            let bytes = Array(s.utf8)
            out.append(0x58)  // BINUNICODE
            withUnsafeBytes(of: UInt32(bytes.count).littleEndian) { out.append(contentsOf: $0) }
            out.append(contentsOf: bytes)
        }
        func int(_ v: Int) {
            if v >= 0 && v < Int(Int32.max) {
                out.append(0x4A)  // BININT
                withUnsafeBytes(of: Int32(v).littleEndian) { out.append(contentsOf: $0) }
            } else {
                out.append(contentsOf: [0x8A, 8])  // LONG1, 8 bytes
                withUnsafeBytes(of: Int64(v).littleEndian) { out.append(contentsOf: $0) }
            }
        }
        func tuple(_ items: [Int]) { out.append(0x28); items.forEach(int); out.append(0x74) }  // MARK … TUPLE
        func emptyOrderedDict() { global("collections", "OrderedDict"); out.append(contentsOf: [0x29, 0x52]) }

        emptyOrderedDict()
        out.append(0x28)  // MARK for SETITEMS
        for (index, key) in state.keys.enumerated() {
            let tensor = state[key]!
            string(key)
            global("torch._utils", "_rebuild_tensor_v2")
            out.append(0x28)  // MARK: arguments
            out.append(0x28)  // MARK: persistent id
            string("storage")
            global("torch", tensor.dtype == .int64 ? "LongStorage" : "FloatStorage")
            string(String(index))
            string("cpu")
            int(tensor.values.count)
            out.append(contentsOf: [0x74, 0x51])  // TUPLE, BINPERSID
            int(0)
            tuple(tensor.shape)
            tuple(contiguousStrides(tensor.shape))
            out.append(0x89)  // NEWFALSE: requires_grad
            emptyOrderedDict()  // backward hooks
            out.append(contentsOf: [0x74, 0x52])  // TUPLE, REDUCE
        }
        out.append(contentsOf: [0x75, 0x2E])  // SETITEMS, STOP
        return out
    }

    /// Little-endian storage bytes: float32, or int64 for integer buffers.
    static func storage(_ tensor: StoredTensor) -> Data {
        var data = Data()
        if tensor.dtype == .int64 {
            data.reserveCapacity(tensor.values.count * 8)
            for v in tensor.values { withUnsafeBytes(of: Int64(v).littleEndian) { data.append(contentsOf: $0) } }
        } else {
            tensor.values.withUnsafeBytes { data.append(contentsOf: $0) }  // little-endian hosts only
        }
        return data
    }
}

extension PyTorchCheckpoint {
    /// The bytes of `state` as `torch.save` writes a state dict (values stored as float32, or
    /// int64 for tensors recorded as such, e.g. `num_batches_tracked`).
    public static func encode(_ state: StateDict, archiveName: String = "archive") throws -> Data {
        var members: [(path: String, data: Data)] = [
            (path: "\(archiveName)/data.pkl", data: StateDictPickler.pickle(state)),
            (path: "\(archiveName)/byteorder", data: Data("little".utf8)),
        ]
        for (index, key) in state.keys.enumerated() {
            members.append((path: "\(archiveName)/data/\(index)", data: StateDictPickler.storage(state[key]!)))
        }
        members.append((path: "\(archiveName)/version", data: Data("3\n".utf8)))
        return try ZipMember.archive(members, compressed: false, name: state.source)
    }

    /// Writes `state` to `url` atomically in `torch.save`'s format.
    public static func write(_ state: StateDict, to url: URL) throws {
        let name = url.deletingPathExtension().lastPathComponent
        try AtomicFile.write(try encode(state, archiveName: name.isEmpty ? "archive" : name), to: url)
    }
}
