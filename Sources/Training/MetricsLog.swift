import Durable
import Formats
import Foundation

/// A line of a `metrics.jsonl`: one finished epoch of one fold.
protocol EpochRecord: Codable {
    var fold: Int { get }
    /// 1-based (0 where a phase logs its starting point).
    var epoch: Int { get }
}

/// One line of phase 1's `metrics.jsonl`: a finished epoch of one fold.
struct EpochMetrics: Codable, Equatable, EpochRecord {
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
struct MetricsLog<Record: EpochRecord> {
    let file: URL

    func entries() throws -> [Record] {
        guard FileManager.default.fileExists(atPath: file.path) else { return [] }
        let text: String
        do { text = String(decoding: try Data(contentsOf: file), as: UTF8.self) } catch {
            throw TrainingError(file.path, "cannot read: \(error.localizedDescription)")
        }
        return try text.split(separator: "\n").enumerated().map { number, line in
            do {
                return try JSONDecoder().decode(Record.self, from: Data(line.utf8))
            } catch {
                throw TrainingError(file.path, "line \(number + 1) is not an epoch record: \(error)")
            }
        }
    }

    /// Adds `metrics`, replacing a line for the same fold and epoch.
    func record(_ metrics: Record) throws {
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

    private func write(_ lines: [Record]) throws {
        let encoder = JSONFile.encoder
        var data = Data()
        for line in lines {
            data.append(try encoder.encode(line))
            data.append(UInt8(ascii: "\n"))
        }
        try AtomicFile.write(data, to: file)
    }
}
