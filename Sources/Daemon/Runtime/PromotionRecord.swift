import Durable
import Formats
import Foundation

/// `SPOOL/promoted.json`: the weights `promote = true` jobs switched the daemon to (TransUNet,
/// the refiner, or both), so a restart keeps using them (`--transunet`/`--sam` flags still win).
enum PromotionRecord {
    static func file(spoolRoot: URL) -> URL { spoolRoot.appendingPathComponent("promoted.json") }

    /// The promoted weights that are recorded and still present (none: nil).
    static func read(spoolRoot: URL) -> PromotedWeights? {
        guard let data = try? Data(contentsOf: file(spoolRoot: spoolRoot)),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        func present(_ key: String) -> URL? {
            guard let path = object[key] as? String, FileManager.default.fileExists(atPath: path) else { return nil }
            return URL(fileURLWithPath: path)
        }
        let weights = PromotedWeights(transunet: present("transunet"), sam: present("sam"))
        return weights.transunet == nil && weights.sam == nil ? nil : weights
    }

    /// Records `weights` on top of what was promoted before (a refiner promotion keeps an
    /// earlier TransUNet promotion).
    static func write(_ weights: PromotedWeights, job: String, spoolRoot: URL) throws {
        let earlier = read(spoolRoot: spoolRoot)
        var record: [String: Any] = ["job": job, "time": ISO8601DateFormatter().string(from: Date())]
        if let transunet = weights.transunet ?? earlier?.transunet { record["transunet"] = transunet.path }
        if let sam = weights.sam ?? earlier?.sam { record["sam"] = sam.path }
        try AtomicFile.write(try JSONSerialization.data(withJSONObject: record, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]),
                             to: file(spoolRoot: spoolRoot))
    }
}
