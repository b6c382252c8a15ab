/// The element types an `.npy` array may hold here: numpy's fixed-size numbers and bools.
public enum NPYDType: String, Sendable, CaseIterable {
    case bool, int8, uint8, int16, uint16, int32, uint32, int64, uint64, float16, float32, float64

    /// Bytes per element.
    public var itemSize: Int {
        switch self {
        case .bool, .int8, .uint8: 1
        case .int16, .uint16, .float16: 2
        case .int32, .uint32, .float32: 4
        case .int64, .uint64, .float64: 8
        }
    }

    /// numpy's little-endian type string, as written in headers (`<f4`, `|u1`, `|b1`).
    public var descr: String {
        let order = itemSize == 1 ? "|" : "<"
        return order + kindCode + String(itemSize)
    }

    private var kindCode: String {
        switch self {
        case .bool: "b"
        case .int8, .int16, .int32, .int64: "i"
        case .uint8, .uint16, .uint32, .uint64: "u"
        case .float16, .float32, .float64: "f"
        }
    }

    /// True for the integer types (not bool, not floating point).
    public var isInteger: Bool { kindCode != "b" && kindCode != "f" }

    /// The dtype of a numpy type string and whether its bytes are big-endian, or a reason
    /// it is not supported (object, strings, complex, dates, structured types).
    static func parse(_ descr: String) -> Result<(NPYDType, bigEndian: Bool), DescrProblem> {
        guard let order = descr.first, let kind = descr.dropFirst().first else { return .failure(.malformed) }
        let sizeText = descr.dropFirst(2)
        guard "<>|=".contains(order) else { return .failure(.malformed) }
        let unsupported: [Character: String] = [
            "O": "Python objects", "U": "unicode strings", "S": "byte strings", "a": "byte strings",
            "V": "raw or structured records", "c": "complex numbers", "M": "datetimes", "m": "timedeltas",
        ]
        if let what = unsupported[kind] { return .failure(.unsupported(what)) }
        guard let size = Int(sizeText),
              let dtype = allCases.first(where: { $0.kindCode == String(kind) && $0.itemSize == size }) else {
            return .failure(.malformed)
        }
        // `=` is native order; every platform this builds for is little-endian.
        return .success((dtype, bigEndian: order == ">" && size > 1))
    }

    /// Why a type string was refused.
    enum DescrProblem: Error {
        case malformed
        case unsupported(String)
    }
}
