import Foundation
import TestSupport
import Testing
import Training

/// Training scalars land in TensorBoard event files under `runs/<phase>/fold_<k>/`.
struct TrainingLogTests {
    @Test func aLogWritesItsPhaseAndFoldFolder() throws {
        let job = try TestPaths.temporaryDirectory("training-log")
        defer { try? FileManager.default.removeItem(at: job) }
        let log = try TrainingLog(jobFolder: job, phase: "refiner", fold: 3) { 1_700_000_000 }
        try log.record([("loss", 0.5), ("lr", 0.001)], step: 7)
        try log.record([("val_refined/dice", 0.75)], step: 8)
        try log.flush()

        #expect(log.file.deletingLastPathComponent().path == job.appendingPathComponent("runs/refiner/fold_3").path)
        let events = try EventFileDecoder.events(at: log.file)
        #expect(events.map(\.step) == [0, 7, 8])
        #expect(events[1].values.map(\.tag) == ["loss", "lr"] && events[1].values.map(\.value) == [0.5, Float(0.001)])
        #expect(events[2].values.map(\.tag) == ["val_refined/dice"] && events[2].values[0].value == 0.75)
    }

    @Test func phaseOneLogsLossAndRatePerIterationAndDicePerEpoch() throws {
        let data = try PhantomFolds(count: 10, label: "train-log")
        defer { data.remove() }
        let options = data.options(folds: [1], epochs: 2, output: "job")
        var losses: [Double] = []
        let report = try TransUNetTraining.run(options) { losses.append($0.loss) }

        let folder = options.output.appendingPathComponent("runs/transunet/fold_1")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        #expect(files.count == 1 && files[0].hasPrefix("events.out.tfevents."))
        let events = try EventFileDecoder.events(at: folder.appendingPathComponent(files[0]))
        #expect(events.first?.fileVersion == "brain.Event:2")

        func series(_ tag: String) -> [(step: Int64, value: Float)] {
            events.flatMap { event in event.values.filter { $0.tag == tag }.map { (event.step, $0.value) } }
        }
        let perEpoch = losses.count / 2
        #expect(series("loss").map(\.step) == Array(1...Int64(losses.count)))
        #expect(series("loss").map(\.value) == losses.map { Float($0) })
        let rates = series("lr").map(\.value)
        #expect(rates.count == losses.count && rates.first == options.learningRate)
        #expect(zip(rates, rates.dropFirst()).allSatisfy { $0 > $1 })  // the poly schedule decays
        #expect(series("val/dice").map(\.step) == [Int64(perEpoch), Int64(2 * perEpoch)])
        #expect(series("val/dice").last?.value == Float(report.folds[0].valDice))
    }
}
