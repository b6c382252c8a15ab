import Durable
import Formats
import Foundation

/// `SPOOL/promoted.json`: the TransUNet weights a `promote = true` job switched the daemon to,
/// so a restart keeps using them (a `--transunet` flag still wins).
enum PromotionRecord {
    static func file(spoolRoot: URL) -> URL { spoolRoot.appendingPathComponent("promoted.json") }

    /// The promoted weights, when recorded and still present.
    static func read(spoolRoot: URL) -> URL? {
        guard let data = try? Data(contentsOf: file(spoolRoot: spoolRoot)),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let path = object["transunet"] as? String, FileManager.default.fileExists(atPath: path) else { return nil }
        return URL(fileURLWithPath: path)
    }

    static func write(_ transunet: URL, job: String, spoolRoot: URL) throws {
        let record: [String: Any] = ["transunet": transunet.path, "job": job,
                                     "time": ISO8601DateFormatter().string(from: Date())]
        try AtomicFile.write(try JSONSerialization.data(withJSONObject: record, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]),
                             to: file(spoolRoot: spoolRoot))
    }
}
