import Imaging
import Pixels
import Tensor
import TransUNetModel

/// Out-of-fold evaluation: each validation case's foreground probability at the model's
/// input size and its Dice against the mask at threshold 0.5.
struct Validation {
    /// Probabilities (S·S, row-major) by case, in the fold's validation order.
    var probabilities: [(name: String, values: [Float])]
    /// Mean Dice over the cases.
    var meanDice: Double

    /// Evaluates `model` in evaluation mode (batch statistics frozen, no dropout), `batchSize`
    /// cases at a time; the model is left in evaluation mode.
    init(model: TransUNet, cases: [String], samples: [String: TrainingSample], batchSize: Int) {
        model.setTraining(false)
        let side = model.config.imageSize
        var probabilities: [(name: String, values: [Float])] = []
        var diceSum = 0.0
        for start in stride(from: 0, to: cases.count, by: batchSize) {
            let names = Array(cases[start..<min(start + batchSize, cases.count)])
            let batch = names.map { samples[$0]! }
            let output = noGrad { model.foregroundProbability(Tensor.concatenate(batch.map(\.input), axis: 0)) }.scalars
            for (offset, name) in names.enumerated() {
                let values = Array(output[offset * side * side ..< (offset + 1) * side * side])
                let predicted = Raster(width: side, height: side, pixels: values.map { $0 > 0.5 ? UInt8(1) : 0 })
                let truth = Raster(width: side, height: side, pixels: batch[offset].labels)
                diceSum += Overlap.dice(predicted, truth)
                probabilities.append((name, values))
            }
        }
        self.probabilities = probabilities
        meanDice = diceSum / Double(cases.count)
    }
}
