import Durable
import Foundation

/// A value produced by the restricted unpickler. Only data shapes appear here: no Python
/// object is ever constructed or called. Classes the reader does not know become `opaque`
/// values, which are harmless until someone asks for a tensor inside them.
indirect enum PickleValue: Sendable {
    case none
    case bool(Bool)
    case int(Int64)
    case float(Double)
    case string(String)
    case bytes(Data)
    case list(PickleList)
    case tuple([PickleValue])
    case dict(PickleDict)
    /// A `module.name` reference pushed by GLOBAL / STACK_GLOBAL.
    case global(module: String, name: String)
    /// A tensor rebuilt by `torch._utils._rebuild_tensor_v2` (or `_rebuild_parameter`).
    case tensor(TensorReference)
    /// A persistent storage id: `('storage', StorageClass, key, location, numel)`.
    case storage(StorageReference)
    /// Anything else, never executed: the class name is kept for error messages.
    case opaque(String)

    var typeName: String {
        switch self {
        case .none: return "None"
        case .bool: return "bool"
        case .int: return "int"
        case .float: return "float"
        case .string: return "str"
        case .bytes: return "bytes"
        case .list: return "list"
        case .tuple: return "tuple"
        case .dict: return "dict"
        case .global(let m, let n): return "\(m).\(n)"
        case .tensor: return "tensor"
        case .storage: return "storage"
        case .opaque(let name): return name
        }
    }
}

/// Lists and dicts are filled after they are memoised (APPENDS/SETITEMS), so they are
/// reference types: every memo reference sees the filled container, as in Python.
final class PickleList: @unchecked Sendable {
    var items: [PickleValue] = []
}

/// An insertion-ordered dict (Python dicts and OrderedDicts keep order; checkpoints rely on it).
final class PickleDict: @unchecked Sendable {
    var entries: [(key: PickleValue, value: PickleValue)] = []
}

/// Where a tensor's elements live inside the checkpoint archive.
struct StorageReference: Sendable {
    /// The archive record name (`data/<key>`).
    var key: String
    /// Element type from the storage class (`FloatStorage`, `HalfStorage`, ...).
    var dtype: CheckpointDType
    /// Number of elements in the storage.
    var count: Int
}

/// A strided view of a storage, exactly as `_rebuild_tensor_v2` receives it.
struct TensorReference: Sendable {
    var storage: StorageReference
    var offset: Int
    var shape: [Int]
    var strides: [Int]
}

/// A pickle-protocol (0–5 binary opcodes) virtual machine restricted to what state dicts
/// use. It never imports or calls anything: GLOBAL yields a name, REDUCE on a known name
/// builds a data value, REDUCE on an unknown name yields `opaque`.
struct Unpickler {
    let bytes: [UInt8]
    let source: String
    var position = 0
    var stack: [PickleValue] = []
    var marks: [Int] = []
    var memo: [Int: PickleValue] = [:]
    /// Every container built, so `releaseContainers` can break the reference cycles a pickle
    /// can make through its memo (a dict holding itself), which would otherwise never be freed.
    private var dicts: [PickleDict] = []
    private var lists: [PickleList] = []

    init(_ data: Data, source: String) {
        self.bytes = [UInt8](data)
        self.source = source
    }

    private func fail(_ problem: String) -> FormatError {
        FormatError(source, "pickle: \(problem) (at byte \(position))")
    }

    private mutating func take(_ n: Int) throws -> ArraySlice<UInt8> {
        // Compared as `n <= remaining`: `position + n` could overflow for a hostile length.
        guard n >= 0, n <= bytes.count - position else { throw fail("truncated data") }
        defer { position += n }
        return bytes[position..<position + n]
    }

    private mutating func byte() throws -> UInt8 { try take(1).first! }

    private mutating func littleEndian(_ n: Int) throws -> UInt64 {
        var value: UInt64 = 0
        for (i, b) in try take(n).enumerated() { value |= UInt64(b) << (8 * UInt64(i)) }
        return value
    }

    /// A `width`-byte little-endian length prefix; 8-byte ones can exceed any possible size.
    private mutating func length(_ width: Int) throws -> Int {
        let value = try littleEndian(width)
        guard let length = Int(exactly: value) else { throw fail("length \(value) is larger than any pickle") }
        return length
    }

    private mutating func line() throws -> String {
        guard let end = bytes[position...].firstIndex(of: 0x0A) else { throw fail("unterminated text line") }
        defer { position = end + 1 }
        return String(decoding: bytes[position..<end], as: UTF8.self)
    }

    private mutating func pop() throws -> PickleValue {
        guard let v = stack.popLast() else { throw fail("stack underflow") }
        return v
    }

    private mutating func popMark() throws -> [PickleValue] {
        guard let mark = marks.popLast(), mark <= stack.count else { throw fail("MARK missing") }
        let items = Array(stack[mark...])
        stack.removeSubrange(mark...)
        return items
    }

    private func string(_ slice: ArraySlice<UInt8>) throws -> String {
        guard let s = String(bytes: slice, encoding: .utf8) else { throw fail("invalid UTF-8 string") }
        return s
    }

    /// Runs the program to STOP and returns the result.
    mutating func load() throws -> PickleValue {
        while true {
            let op = try byte()
            switch op {
            case 0x80: _ = try byte()                                   // PROTO
            case 0x95: _ = try take(8)                                  // FRAME
            case 0x2E: return try pop()                                 // STOP
            case 0x28: marks.append(stack.count)                        // MARK
            case 0x4E: stack.append(.none)                              // NONE
            case 0x88: stack.append(.bool(true))                        // NEWTRUE
            case 0x89: stack.append(.bool(false))                       // NEWFALSE
            case 0x4A: stack.append(.int(Int64(Int32(bitPattern: UInt32(try littleEndian(4)))))) // BININT
            case 0x4B: stack.append(.int(Int64(try byte())))            // BININT1
            case 0x4D: stack.append(.int(Int64(try littleEndian(2))))   // BININT2
            case 0x8A: stack.append(.int(try long(Int(try byte()))))    // LONG1
            case 0x8B:                                                  // LONG4
                let n = Int(Int32(bitPattern: UInt32(try littleEndian(4))))
                stack.append(.int(try long(n)))
            case 0x49:                                                  // INT (text)
                let text = try line()
                if text == "00" { stack.append(.bool(false)) } else if text == "01" { stack.append(.bool(true)) }
                else if let v = Int64(text) { stack.append(.int(v)) } else { throw fail("bad INT '\(text)'") }
            case 0x4C:                                                  // LONG (text)
                let text = try line()
                guard let v = Int64(text.hasSuffix("L") ? String(text.dropLast()) : text) else { throw fail("bad LONG") }
                stack.append(.int(v))
            case 0x47:                                                  // BINFLOAT (big-endian)
                var v: UInt64 = 0
                for b in try take(8) { v = v << 8 | UInt64(b) }
                stack.append(.float(Double(bitPattern: v)))
            case 0x58: stack.append(.string(try string(try take(try length(4)))))   // BINUNICODE
            case 0x8C: stack.append(.string(try string(try take(Int(try byte())))))            // SHORT_BINUNICODE
            case 0x8D: stack.append(.string(try string(try take(try length(8)))))   // BINUNICODE8
            case 0x54: stack.append(.string(String(decoding: try take(try length(4)), as: UTF8.self))) // BINSTRING
            case 0x55: stack.append(.string(String(decoding: try take(Int(try byte())), as: UTF8.self)))          // SHORT_BINSTRING
            case 0x42: stack.append(.bytes(Data(try take(try length(4)))))         // BINBYTES
            case 0x43: stack.append(.bytes(Data(try take(Int(try byte())))))                  // SHORT_BINBYTES
            case 0x8E: stack.append(.bytes(Data(try take(try length(8)))))         // BINBYTES8
            case 0x5D: stack.append(.list(newList()))                   // EMPTY_LIST
            case 0x7D: stack.append(.dict(newDict()))                   // EMPTY_DICT
            case 0x29: stack.append(.tuple([]))                         // EMPTY_TUPLE
            case 0x74: stack.append(.tuple(try popMark()))              // TUPLE
            case 0x85: stack.append(.tuple([try pop()]))                // TUPLE1
            case 0x86: let b = try pop(); let a = try pop(); stack.append(.tuple([a, b]))  // TUPLE2
            case 0x87: let c = try pop(); let b = try pop(); let a = try pop(); stack.append(.tuple([a, b, c])) // TUPLE3
            case 0x6C:                                                  // LIST
                let list = newList(); list.items = try popMark(); stack.append(.list(list))
            case 0x64:                                                  // DICT
                let dict = newDict(); try fill(dict, with: try popMark()); stack.append(.dict(dict))
            case 0x61:                                                  // APPEND
                let item = try pop()
                guard case .list(let list) = stack.last else { throw fail("APPEND to a non-list") }
                list.items.append(item)
            case 0x65:                                                  // APPENDS
                let items = try popMark()
                guard case .list(let list) = stack.last else { throw fail("APPENDS to a non-list") }
                list.items.append(contentsOf: items)
            case 0x73:                                                  // SETITEM
                let value = try pop(); let key = try pop()
                guard case .dict(let dict) = stack.last else { throw fail("SETITEM on a non-dict") }
                dict.entries.append((key, value))
            case 0x75:                                                  // SETITEMS
                let items = try popMark()
                guard case .dict(let dict) = stack.last else { throw fail("SETITEMS on a non-dict") }
                try fill(dict, with: items)
            case 0x71: memo[Int(try byte())] = stack.last               // BINPUT
            case 0x72: memo[Int(try littleEndian(4))] = stack.last      // LONG_BINPUT
            case 0x94: memo[memo.count] = stack.last                    // MEMOIZE
            case 0x70: memo[Int(try line()) ?? -1] = stack.last         // PUT (text)
            case 0x68: try pushMemo(Int(try byte()))                    // BINGET
            case 0x6A: try pushMemo(Int(try littleEndian(4)))           // LONG_BINGET
            case 0x67: try pushMemo(Int(try line()) ?? -1)              // GET (text)
            case 0x63:                                                  // GLOBAL
                let module = try line(); let name = try line()
                stack.append(.global(module: module, name: name))
            case 0x93:                                                  // STACK_GLOBAL
                guard case .string(let name) = try pop(), case .string(let module) = try pop() else {
                    throw fail("STACK_GLOBAL needs two strings")
                }
                stack.append(.global(module: module, name: name))
            case 0x51:                                                  // BINPERSID
                stack.append(try persistentLoad(try pop()))
            case 0x52:                                                  // REDUCE
                let args = try pop(); let callable = try pop()
                stack.append(try reduce(callable, args))
            case 0x81:                                                  // NEWOBJ
                let args = try pop(); let cls = try pop()
                stack.append(try reduce(cls, args))
            case 0x62:                                                  // BUILD: object state, ignored
                _ = try pop()
                guard !stack.isEmpty else { throw fail("BUILD on an empty stack") }
            case 0x30: _ = try pop()                                    // POP
            case 0x31: _ = try popMark()                                // POP_MARK
            case 0x32: guard let top = stack.last else { throw fail("DUP on an empty stack") }; stack.append(top) // DUP
            default:
                throw fail(String(format: "unsupported opcode 0x%02X", op))
            }
        }
    }

    /// Empties every list and dict the program built, and the memo and stack. Call it once the
    /// loaded values are no longer needed; values still held afterwards see empty containers.
    mutating func releaseContainers() {
        for dict in dicts { dict.entries = [] }
        for list in lists { list.items = [] }
        dicts = []
        lists = []
        memo = [:]
        stack = []
    }

    private mutating func newDict() -> PickleDict {
        let dict = PickleDict()
        dicts.append(dict)
        return dict
    }

    private mutating func newList() -> PickleList {
        let list = PickleList()
        lists.append(list)
        return list
    }

    private mutating func long(_ n: Int) throws -> Int64 {
        guard n <= 8 else { throw fail("integer of \(n) bytes does not fit 64 bits") }
        if n == 0 { return 0 }
        let raw = try littleEndian(n)
        let shift = UInt64(64 - 8 * n)
        return Int64(bitPattern: raw << shift) >> Int64(shift)  // sign-extend
    }

    private mutating func pushMemo(_ index: Int) throws {
        guard let v = memo[index] else { throw fail("memo entry \(index) missing") }
        stack.append(v)
    }

    private func fill(_ dict: PickleDict, with items: [PickleValue]) throws {
        guard items.count % 2 == 0 else { throw fail("odd number of dict items") }
        for i in stride(from: 0, to: items.count, by: 2) { dict.entries.append((items[i], items[i + 1])) }
    }

    private func persistentLoad(_ pid: PickleValue) throws -> PickleValue {
        guard case .tuple(let parts) = pid, parts.count >= 5, case .string("storage") = parts[0] else {
            throw fail("unsupported persistent id \(pid.typeName)")
        }
        guard case .global(_, let storageClass) = parts[1] else { throw fail("storage type is not a class") }
        guard let dtype = CheckpointDType(storageClass: storageClass) else {
            throw fail("unsupported storage type \(storageClass)")
        }
        guard case .string(let key) = parts[2], case .int(let count) = parts[4] else {
            throw fail("malformed storage id")
        }
        return .storage(StorageReference(key: key, dtype: dtype, count: Int(count)))
    }

    private func ints(_ value: PickleValue, _ what: String) throws -> [Int] {
        guard case .tuple(let items) = value else { throw fail("\(what) is not a tuple") }
        return try items.map {
            guard case .int(let v) = $0 else { throw fail("\(what) holds a non-integer") }
            return Int(v)
        }
    }

    /// Applies a callable to its arguments, for the few callables a state dict needs.
    private mutating func reduce(_ callable: PickleValue, _ args: PickleValue) throws -> PickleValue {
        guard case .global(let module, let name) = callable else {
            return .opaque("call of \(callable.typeName)")
        }
        guard case .tuple(let a) = args else { throw fail("arguments of \(module).\(name) are not a tuple") }
        switch (module, name) {
        case ("collections", "OrderedDict"), ("builtins", "dict"):
            return .dict(newDict())
        case ("torch._utils", "_rebuild_tensor_v2"), ("torch._utils", "_rebuild_tensor"):
            guard a.count >= 4, case .storage(let storage) = a[0], case .int(let offset) = a[1] else {
                throw fail("malformed _rebuild_tensor_v2 arguments")
            }
            let shape = try ints(a[2], "tensor size")
            let strides = try ints(a[3], "tensor stride")
            guard shape.count == strides.count else { throw fail("tensor size and stride differ in rank") }
            return .tensor(TensorReference(storage: storage, offset: Int(offset), shape: shape, strides: strides))
        case ("torch._utils", "_rebuild_parameter"), ("torch._utils", "_rebuild_parameter_with_state"):
            guard let data = a.first, case .tensor = data else { throw fail("malformed _rebuild_parameter") }
            return data
        default:
            return .opaque("\(module).\(name)")
        }
    }
}
