import Foundation

/// Reads TensorBoard event files (TFRecord-framed `Event` protobufs) for tests, independently of
/// the writer in Formats; decodes only scalar summaries and the file version.
public enum EventFileDecoder {
    /// Why a file is not a sound event file.
    public enum Failure: Error, Equatable {
        case truncated, lengthChecksum, dataChecksum, malformed
    }

    /// The parts of an `Event` the tests look at.
    public struct Event {
        public var wallTime: Double?
        public var step: Int64 = 0
        public var fileVersion: String?
        public var values: [(tag: String, value: Float)] = []
    }

    /// CRC-32C bit by bit (reflected Castagnoli polynomial), deliberately unlike the writer's table.
    public static func crc32c(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = ~0
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc >> 1) ^ (crc & 1 == 0 ? 0 : 0x82F6_3B78) }
        }
        return ~crc
    }

    private static func masked(_ bytes: [UInt8]) -> UInt32 {
        let crc = crc32c(bytes)
        return ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
    }

    private static func littleEndian(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        bytes.reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// The events of the file at `url`.
    public static func events(at url: URL) throws -> [Event] {
        try events(Array(Data(contentsOf: url)))
    }

    /// The events of a whole file, checking every record's framing.
    public static func events(_ file: [UInt8]) throws -> [Event] {
        var events: [Event] = []
        var at = 0
        while at < file.count {
            guard file.count - at >= 12 else { throw Failure.truncated }
            let lengthBytes = Array(file[at..<at + 8])
            guard littleEndian(file[at + 8..<at + 12]) == masked(lengthBytes) else { throw Failure.lengthChecksum }
            let length = Int(littleEndian(lengthBytes[...]))
            guard file.count - at - 12 >= length + 4 else { throw Failure.truncated }
            let data = Array(file[at + 12..<at + 12 + length])
            guard littleEndian(file[at + 12 + length..<at + 16 + length]) == masked(data) else {
                throw Failure.dataChecksum
            }
            events.append(try event(data))
            at += 16 + length
        }
        return events
    }

    private enum Field {
        case varint(UInt64), fixed64(UInt64), fixed32(UInt32), bytes([UInt8])
    }

    private static func fields(_ message: [UInt8]) throws -> [(number: Int, value: Field)] {
        var at = 0
        func varint() throws -> UInt64 {
            var value: UInt64 = 0
            for shift in stride(from: 0, to: 70, by: 7) {
                guard at < message.count else { throw Failure.malformed }
                let byte = message[at]
                at += 1
                value |= UInt64(byte & 0x7F) << UInt64(shift)
                if byte < 0x80 { return value }
            }
            throw Failure.malformed
        }
        func take(_ count: Int) throws -> ArraySlice<UInt8> {
            guard count >= 0, message.count - at >= count else { throw Failure.malformed }
            defer { at += count }
            return message[at..<at + count]
        }
        var result: [(Int, Field)] = []
        while at < message.count {
            let key = try varint()
            switch key & 7 {
            case 0: result.append((Int(key >> 3), .varint(try varint())))
            case 1: result.append((Int(key >> 3), .fixed64(littleEndian(try take(8)))))
            case 2: result.append((Int(key >> 3), .bytes(Array(try take(Int(try varint()))))))
            case 5: result.append((Int(key >> 3), .fixed32(UInt32(littleEndian(try take(4))))))
            default: throw Failure.malformed
            }
        }
        return result
    }

    /// One `Event` message.
    public static func event(_ data: [UInt8]) throws -> Event {
        var event = Event()
        for (number, value) in try fields(data) {
            switch (number, value) {
            case (1, .fixed64(let bits)): event.wallTime = Double(bitPattern: bits)
            case (2, .varint(let raw)): event.step = Int64(bitPattern: raw)
            case (3, .bytes(let text)): event.fileVersion = String(decoding: text, as: UTF8.self)
            case (5, .bytes(let summary)):
                for case (1, .bytes(let entry)) in try fields(summary) {
                    var tag: String?
                    var simple: Float?
                    for field in try fields(entry) {
                        switch field {
                        case (1, .bytes(let text)): tag = String(decoding: text, as: UTF8.self)
                        case (2, .fixed32(let bits)): simple = Float(bitPattern: bits)
                        default: throw Failure.malformed
                        }
                    }
                    guard let tag, let simple else { throw Failure.malformed }
                    event.values.append((tag, simple))
                }
            default: throw Failure.malformed
            }
        }
        return event
    }
}
