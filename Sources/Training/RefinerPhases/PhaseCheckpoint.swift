import Formats
import Foundation
import NN
import Tensor

/// Where a refiner or end-to-end phase stands between two iterations.
struct PhasePosition: Codable, Equatable {
    var epochsCompleted: Int
    var iterationsInEpoch: Int
    /// Bit pattern of the Double sum of the epoch's losses so far (resumed means are exact).
    var epochLossSumBits: UInt64
    /// The best validation refined Dice so far and its epoch (0 = before any training).
    var bestDice: Double
    var bestEpoch: Int
    /// Validation of the weights the phase started from, run once before the first step.
    var baseline: CoarseRefinedComparison
    /// The plateau schedule's state (nil under cosine decay, which is a function of the
    /// iteration alone).
    var plateau: PlateauLearningRate?

    var epochLossSum: Double { Double(bitPattern: epochLossSumBits) }
}

/// `last.safetensors` of a refiner phase: every tensor of the trained module, the AdamW moments
/// under `adamw.m.KEY` / `adamw.v.KEY`, and in the metadata the position, the moments' step
/// counts and the options signature a resume must match. The position is the phase's own
/// (`PhasePosition` for the refiner phases, `CorrectorPosition` for the GRU corrector).
enum PhaseCheckpoint {
    static let positionKey = "training_position"
    static let stepsKey = "adamw_steps"
    static let signatureKey = "options_signature"

    static func write<Position: Encodable>(model: any Module, optimizer: AdamW, position: Position, phase: String, fold: Int,
                      signature: String, to url: URL) throws {
        var entries = model.stateDict()
        var steps: [String: Int] = [:]
        for (key, _) in optimizer.parameters {
            guard let moments = optimizer.state[key] else { continue }
            entries.append((key: "adamw.m." + key, value: moments.m))
            entries.append((key: "adamw.v." + key, value: moments.v))
            steps[key] = moments.step
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let metadata = [
            "phase": phase, "fold": String(fold), signatureKey: signature,
            positionKey: String(decoding: try encoder.encode(position), as: UTF8.self),
            stepsKey: String(decoding: try encoder.encode(steps), as: UTF8.self),
        ]
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Safetensors.write(StateDict(entries), metadata: metadata, to: url)
    }

    /// Restores the module and the optimiser from `url`; the file must have been written with
    /// the same options (`signature`).
    static func read<Position: Decodable>(_ url: URL, into model: any Module, optimizer: inout AdamW,
                                         signature: String) throws -> Position {
        let (tensors, metadata) = try Safetensors.read(url)
        guard metadata[signatureKey] == signature else {
            throw TrainingError(url.path, "was written with other options (\(metadata[signatureKey] ?? "none recorded")); remove it to start over, or rerun with the same options (\(signature))")
        }
        func decoded<T: Decodable>(_ key: String, as type: T.Type) throws -> T {
            guard let json = metadata[key], let value = try? JSONDecoder().decode(T.self, from: Data(json.utf8)) else {
                throw TrainingError(url.path, "metadata '\(key)' is missing or unreadable: not a training checkpoint")
            }
            return value
        }
        let position = try decoded(positionKey, as: Position.self)
        let steps = try decoded(stepsKey, as: [String: Int].self)
        var values = tensors.tensorsByKey()
        var moments: [String: AdamW.Moments] = [:]
        for (key, step) in steps {
            guard let m = values.removeValue(forKey: "adamw.m." + key), let v = values.removeValue(forKey: "adamw.v." + key) else {
                throw TrainingError(url.path, "AdamW moments of '\(key)' are missing")
            }
            moments[key] = AdamW.Moments(step: step, m: m, v: v)
        }
        try model.load(values, source: url.path, modelDescription: String(describing: type(of: model)))
        do {
            try optimizer.restore(moments)
        } catch {
            throw TrainingError(url.path, "AdamW moments do not fit the trainable parameters: \(error)")
        }
        return position
    }
}
