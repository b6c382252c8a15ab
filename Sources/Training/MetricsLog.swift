import Durable
import Formats
import Foundation

/// One line of `metrics.jsonl`: a finished epoch of one fold.
struct EpochMetrics: Codable, Equatable {
    var fold: Int
    /// 1-based.
    var epoch: Int
    /// Mean training loss over the epoch's iterations.
    var loss: Double
    /// Learning rate of the epoch's last iteration.
    var lr: Float
    /// Validation Dice, computed after the fold's last epoch.
    var valDice: Double?

    enum CodingKeys: String, CodingKey {
        case fold, epoch, loss, lr
        case valDice = "val_dice"
    }
}

/// `metrics.jsonl`, rewritten atomically on every change so a crash leaves whole lines; lines
/// of epochs that a resume will redo are dropped first, so the file ends up as an
/// uninterrupted run would have written it.
struct MetricsLog {
    let file: URL

    func entries() throws -> [EpochMetrics] {
        guard FileManager.default.fileExists(atPath: file.path) else { return [] }
        let text: String
        do { text = String(decoding: try Data(contentsOf: file), as: UTF8.self) } catch {
            throw TrainingError(file.path, "cannot read: \(error.localizedDescription)")
        }
        return try text.split(separator: "\n").enumerated().map { number, line in
            do {
                return try JSONDecoder().decode(EpochMetrics.self, from: Data(line.utf8))
            } catch {
                throw TrainingError(file.path, "line \(number + 1) is not an epoch record: \(error)")
            }
        }
    }

    /// Adds `metrics`, replacing a line for the same fold and epoch.
    func record(_ metrics: EpochMetrics) throws {
        var kept = try entries().filter { $0.fold != metrics.fold || $0.epoch != metrics.epoch }
        kept.append(metrics)
        try write(kept)
    }

    /// Drops the fold's lines after `epoch` (1-based), which a resume from there will redo.
    func discard(fold: Int, after epoch: Int) throws {
        let all = try entries()
        let kept = all.filter { $0.fold != fold || $0.epoch <= epoch }
        if kept.count != all.count { try write(kept) }
    }

    private func write(_ lines: [EpochMetrics]) throws {
        let encoder = JSONFile.encoder
        var data = Data()
        for line in lines {
            data.append(try encoder.encode(line))
            data.append(UInt8(ascii: "\n"))
        }
        try AtomicFile.write(data, to: file)
    }
}
