import Foundation
import Testing
import Training
import TransUNetModel

/// The stop signal a test's progress callback raises, as the daemon does on SIGTERM.
private struct Stop: Error {}

/// Stopping in the middle of an epoch (and again in the next fold) and resuming gives exactly
/// the files of an uninterrupted run.
@Test func resumedRunEqualsUninterruptedRun() throws {
    let data = try PhantomFolds(count: 10, label: "train-resume")
    defer { data.remove() }
    let straight = data.options(folds: [0, 1], epochs: 3, output: "straight")
    let straightReport = try TransUNetTraining.run(straight) { _ in }

    let resumed = data.options(folds: [0, 1], epochs: 3, output: "resumed")
    let perEpoch = (data.splits.folds[0].train.count + 1) / 2
    // Stop after iteration 1 of epoch 2 of fold 0, then after the last iteration of fold 1's
    // first epoch (before its metrics line and epoch-end checkpoint).
    let firstStop = perEpoch + 1
    let secondStop = 3 * perEpoch + (data.splits.folds[1].train.count + 1) / 2
    var calls = 0
    for stop in [firstStop, secondStop] {
        #expect(throws: Stop.self) {
            _ = try TransUNetTraining.run(resumed) { _ in
                calls += 1
                if calls == stop { throw Stop() }
            }
        }
        #expect(calls == stop)
    }
    var seen: [TrainingProgress] = []
    let resumedReport = try TransUNetTraining.run(resumed) { seen.append($0) }
    #expect(calls + seen.count == 3 * perEpoch + 3 * ((data.splits.folds[1].train.count + 1) / 2))
    #expect(seen.first?.fold == 1 && seen.first?.epoch == 2 && seen.first?.iteration == 1)

    #expect(resumedReport == straightReport)
    for file in ["fold0/model.safetensors", "fold1/model.safetensors", "fold0/checkpoint.safetensors",
                 "fold1/checkpoint.safetensors", "metrics.jsonl", "report.json"] {
        // Compared to a Bool first: on a mismatch #expect would diff megabytes byte by byte.
        let same = try Data(contentsOf: straight.output.appendingPathComponent(file))
            == Data(contentsOf: resumed.output.appendingPathComponent(file))
        #expect(same, "\(file) differs after resuming")
    }
    let valCases = data.splits.folds.flatMap(\.val)
    for name in valCases {
        let same = try Data(contentsOf: straight.output.appendingPathComponent("oof/\(name).npy"))
            == Data(contentsOf: resumed.output.appendingPathComponent("oof/\(name).npy"))
        #expect(same, "oof/\(name).npy differs after resuming")
    }

    // A finished job reruns without training anything.
    var extra = 0
    #expect(try TransUNetTraining.run(resumed) { _ in extra += 1 } == straightReport)
    #expect(extra == 0)
}

/// Resuming with other options is refused rather than mixing two trainings.
@Test func resumeWithOtherOptionsIsRefused() throws {
    let data = try PhantomFolds(count: 6, label: "train-other-options")
    defer { data.remove() }
    var options = data.options(folds: [0], epochs: 1, output: "job")
    #expect(throws: Stop.self) { _ = try TransUNetTraining.run(options) { _ in throw Stop() } }
    options.learningRate = 0.02
    let error = try #require(throws: TrainingError.self) { _ = try TransUNetTraining.run(options) { _ in } }
    #expect(error.subject == options.output.appendingPathComponent("job.json").path)
}
