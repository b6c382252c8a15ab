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
/// buffers under `sgd.momentum.KEY` (KEY the parameter path the optimiser keys them by), and
/// the `FoldPosition` in the metadata.
enum FoldCheckpoint {
    static let momentumPrefix = "sgd.momentum."
    static let positionKey = "training_position"
    /// The `phase` metadata of phase-1 (TransUNet) files, as DESIGN.md asks of our checkpoints.
    static let phase = "1-transunet"

    /// Writes the exact training state atomically (temp file, fsync, rename).
    static func write(model: TransUNet, optimizer: SGD, fold: Int, position: FoldPosition, to url: URL) throws {
        var entries = model.stateDict()
        // In the optimiser's parameter order, not the dictionary's, so the file is reproducible.
        for (key, _) in optimizer.parameters {
            if let buffer = optimizer.state[key] { entries.append((key: momentumPrefix + key, value: buffer)) }
        }
        var checkpoint = ModelCheckpoint<TransUNet>(tensors: StateDict(entries), storedConfig: model.config,
                                                    metadata: ["phase": phase, "fold": String(fold)])
        try checkpoint.encode(position, as: positionKey)
        try checkpoint.write(to: url)
    }

    /// Restores the model and the optimiser from `url` and returns where training stood.
    static func read(_ url: URL, into model: TransUNet, optimizer: inout SGD) throws -> FoldPosition {
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
        do {
            try optimizer.restore(momentum)
        } catch {
            throw TrainingError(url.path, "momentum buffers do not fit the model's trainable parameters: \(error)")
        }
        return position
    }
}
