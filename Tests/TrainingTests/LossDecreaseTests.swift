import Foundation
import Testing
import Training
import TransUNetModel

/// Training learns: on phantoms (dark lesion on speckled tissue) the epoch loss falls clearly.
@Test func epochLossFallsOverTraining() throws {
    let data = try PhantomFolds(count: 12, label: "train-loss")
    defer { data.remove() }
    let options = data.options(folds: [0], epochs: 8, output: "job")
    var losses: [Double] = []
    _ = try TransUNetTraining.run(options) { losses.append($0.loss) }
    let lines = try String(contentsOf: options.output.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
        .split(separator: "\n")
        .map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
    let epochLoss = lines.map { $0["loss"] as! Double }
    print("epoch losses:", epochLoss.map { String(format: "%.4f", $0) }.joined(separator: " "))
    #expect(epochLoss.count == 8)
    #expect(losses.count == 8 * ((data.splits.folds[0].train.count + 1) / 2))
    #expect(epochLoss.last! < 0.8 * epochLoss.first!, "loss went from \(epochLoss.first!) to \(epochLoss.last!)")
    // The epoch mean is the mean of the reported iteration losses.
    let perEpoch = losses.count / 8
    #expect(abs(losses.prefix(perEpoch).reduce(0, +) / Double(perEpoch) - epochLoss[0]) < 1e-12)
}
