import Formats
import Foundation
import NN
import Tensor
import TransUNetModel

/// Where a fold's training stands between two iterations.
struct FoldPosition: Codable, Equatable {
    /// Epochs fully done (their metrics line written).
    var epochsCompleted: Int
    /// Iterations done of the next epoch.
    var iterationsInEpoch: Int
    /// Bit pattern of the Double sum of those iterations' losses, so the epoch's mean loss
    /// comes out bit for bit as in an uninterrupted run.
    var epochLossSumBits: UInt64

    /// The start of a fold.
    static let start = FoldPosition(epochsCompleted: 0, iterationsInEpoch: 0, epochLossSumBits: 0)

    var epochLossSum: Double { Double(bitPattern: epochLossSumBits) }
}

/// `fold{k}/checkpoint.safetensors`: the model's parameters and buffers, the SGD momentum
/// buffers under `sgd.momentum.KEY`, and the `FoldPosition` in the metadata.
enum FoldCheckpoint {
    static let momentumPrefix = "sgd.momentum."
    static let positionKey = "training_position"
    /// The `phase` metadata of phase-1 (TransUNet) files, as DESIGN.md asks of our checkpoints.
    static let phase = "1-transunet"

    /// Writes the exact training state atomically (temp file, fsync, rename).
    static func write(model: TransUNet, optimizer: SGD, parameterKeys: [String], fold: Int,
                      position: FoldPosition, to url: URL) throws {
        var entries = model.stateDict()
        for (key, buffer) in zip(parameterKeys, optimizer.momentumBuffers) {
            if let buffer { entries.append((key: momentumPrefix + key, value: buffer)) }
        }
        var checkpoint = ModelCheckpoint<TransUNet>(tensors: StateDict(entries), storedConfig: model.config,
                                                    metadata: ["phase": phase, "fold": String(fold)])
        try checkpoint.encode(position, as: positionKey)
        try checkpoint.write(to: url)
    }

    /// Restores the model and the optimiser from `url` and returns where training stood.
    static func read(_ url: URL, into model: TransUNet, optimizer: inout SGD,
                     parameterKeys: [String]) throws -> FoldPosition {
        let checkpoint = try ModelCheckpoint<TransUNet>(contentsOf: url)
        guard let position = try? checkpoint.decoded(positionKey, as: FoldPosition.self) else {
            throw TrainingError(url.path, "metadata '\(positionKey)' is missing or unreadable: not a training checkpoint")
        }
        var values = checkpoint.tensors.tensorsByKey()
        var momentum: [String: Tensor] = [:]
        for key in values.keys where key.hasPrefix(momentumPrefix) {
            momentum[String(key.dropFirst(momentumPrefix.count))] = values.removeValue(forKey: key)
        }
        try model.load(values, source: url.path, modelDescription: model.config.description)
        let shapes = Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.key, $0.parameter.shape) })
        for (key, buffer) in momentum where shapes[key] != buffer.shape {
            throw TrainingError(url.path, "momentum buffer '\(key)' has shape \(buffer.shape), its parameter \(shapes[key].map { "\($0)" } ?? "does not exist")")
        }
        optimizer.momentumBuffers = parameterKeys.map { momentum[$0] }
        return position
    }
}
