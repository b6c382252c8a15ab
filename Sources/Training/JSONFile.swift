import Durable
import Formats
import Foundation

/// The job's small JSON files: written atomically with stable key order, read with the file
/// named in any error.
enum JSONFile {
    static func write<Value: Encodable>(_ value: Value, to url: URL) throws {
        try AtomicFile.write(encoder.encode(value), to: url)
    }

    static func read<Value: Decodable>(_ type: Value.Type, from url: URL) throws -> Value {
        do {
            return try JSONDecoder().decode(type, from: Data(contentsOf: url))
        } catch {
            throw TrainingError(url.path, "cannot read \(Value.self): \(error)")
        }
    }

    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
