import Foundation

/// An n-dimensional numpy array as stored in `.npy` files: shape, element type and the
/// elements as little-endian bytes in C (row-major) order, whatever order the file used.
public struct NPYArray: Sendable, Equatable {
    /// Dimensions, outermost first; empty for a 0-d (scalar) array.
    public let shape: [Int]
    /// Element type.
    public let dtype: NPYDType
    /// `count * dtype.itemSize` bytes, little-endian, C order.
    public let data: Data

    /// An array over existing bytes; `data` must hold exactly `count * dtype.itemSize` bytes.
    public init(shape: [Int], dtype: NPYDType, data: Data) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(shape)")
        precondition(data.count == shape.reduce(1, *) * dtype.itemSize,
                     "shape \(shape) of \(dtype) needs \(shape.reduce(1, *) * dtype.itemSize) bytes, got \(data.count)")
        self.shape = shape
        self.dtype = dtype
        self.data = data
    }

    private init<T>(_ values: [T], dtype: NPYDType, shape: [Int]?) {
        self.init(shape: shape ?? [values.count], dtype: dtype,
                  data: values.withUnsafeBytes { Data($0) })
    }

    /// A float32 array; `shape` defaults to one dimension.
    public init(float32 values: [Float], shape: [Int]? = nil) { self.init(values, dtype: .float32, shape: shape) }
    /// A float64 array; `shape` defaults to one dimension.
    public init(float64 values: [Double], shape: [Int]? = nil) { self.init(values, dtype: .float64, shape: shape) }
    /// A uint8 array; `shape` defaults to one dimension.
    public init(uint8 values: [UInt8], shape: [Int]? = nil) { self.init(values, dtype: .uint8, shape: shape) }
    /// An int64 array; `shape` defaults to one dimension.
    public init(int64 values: [Int64], shape: [Int]? = nil) { self.init(values, dtype: .int64, shape: shape) }
    /// A bool array (one byte per element, 0 or 1, as numpy stores it); `shape` defaults to one dimension.
    public init(bool values: [Bool], shape: [Int]? = nil) {
        self.init(values.map { $0 ? UInt8(1) : 0 }, dtype: .bool, shape: shape)
    }

    /// Number of elements (1 for a 0-d array, 0 when any dimension is 0).
    public var count: Int { shape.reduce(1, *) }

    /// The elements as Float, converted from any dtype (bool as 0/1; wide integers and
    /// float64 round to the nearest Float).
    public func floats() -> [Float] { floatingPoint() }

    /// The elements as Double, converted from any dtype.
    public func doubles() -> [Double] { floatingPoint() }

    /// The elements as UInt8: uint8 and bool as stored; other integer types only when every
    /// value fits, floating-point types never (rounding would hide a mistake).
    public func uint8s() throws -> [UInt8] {
        if dtype == .uint8 || dtype == .bool { return elements(UInt8.self) }
        return try integers().map { value in
            guard let byte = UInt8(exactly: value) else {
                throw NPYConversionError(problem: "\(dtype) value \(value) does not fit in uint8")
            }
            return byte
        }
    }

    /// The elements as Int64, from bool or any integer dtype whose values fit.
    public func int64s() throws -> [Int64] { try integers() }

    private func integers() throws -> [Int64] {
        switch dtype {
        case .bool, .uint8: return elements(UInt8.self).map(Int64.init)
        case .int8: return elements(Int8.self).map(Int64.init)
        case .int16: return elements(Int16.self).map(Int64.init)
        case .uint16: return elements(UInt16.self).map(Int64.init)
        case .int32: return elements(Int32.self).map(Int64.init)
        case .uint32: return elements(UInt32.self).map(Int64.init)
        case .int64: return elements(Int64.self)
        case .uint64:
            return try elements(UInt64.self).map { value in
                guard let signed = Int64(exactly: value) else {
                    throw NPYConversionError(problem: "uint64 value \(value) does not fit in int64")
                }
                return signed
            }
        case .float16, .float32, .float64:
            throw NPYConversionError(problem: "\(dtype) array cannot be read as integers")
        }
    }

    private func floatingPoint<T: BinaryFloatingPoint>() -> [T] {
        switch dtype {
        case .bool, .uint8: elements(UInt8.self).map { T($0) }
        case .int8: elements(Int8.self).map { T($0) }
        case .int16: elements(Int16.self).map { T($0) }
        case .uint16: elements(UInt16.self).map { T($0) }
        case .int32: elements(Int32.self).map { T($0) }
        case .uint32: elements(UInt32.self).map { T($0) }
        case .int64: elements(Int64.self).map { T($0) }
        case .uint64: elements(UInt64.self).map { T($0) }
        case .float16: elements(UInt16.self).map { T(Half.float(fromBits: $0)) }
        case .float32: elements(Float.self).map { T($0) }
        case .float64: elements(Double.self).map { T($0) }
        }
    }

    /// The stored bytes reinterpreted as `T` (whose size must be the item size).
    private func elements<T>(_: T.Type) -> [T] {
        [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            data.withUnsafeBytes { raw in
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: raw)
            }
            initialized = count
        }
    }
}

/// An array's values cannot be converted to the requested element type without loss.
public struct NPYConversionError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What could not be converted, in plain words.
    public let problem: String
    /// The problem, as printed.
    public var description: String { problem }
}

/// IEEE half precision decoding, written out so it works on every platform (Swift's
/// `Float16` is missing on Intel macOS).
enum Half {
    static func float(fromBits bits: UInt16) -> Float {
        let sign: Float = bits & 0x8000 != 0 ? -1 : 1
        let exponent = Int(bits >> 10) & 0x1F
        let mantissa = Float(bits & 0x3FF)
        switch exponent {
        case 0: return sign * mantissa * 0x1p-24  // zero and subnormals
        case 31: return mantissa == 0 ? sign * .infinity : .nan
        default: return sign * (1 + mantissa / 1024) * Float(sign: .plus, exponent: exponent - 15, significand: 1)
        }
    }
}
