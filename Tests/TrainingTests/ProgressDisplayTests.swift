import Testing
import Training

/// The progress lines people read: their wording, the redrawn bar and the plain-log throttling.
struct ProgressDisplayTests {
    private func progress(iteration: Int, of iterations: Int = 80, seconds: Double? = 3725,
                          phase: String = "transunet") -> TrainingProgress {
        TrainingProgress(fold: 0, foldIndex: 0, foldCount: 5, epoch: 3, epochs: 150, iteration: iteration,
                         iterationsPerEpoch: iterations, loss: 0.41234, secondsRemaining: seconds, phase: phase)
    }

    @Test func linesNamePhaseFoldEpochStepLossAndETA() {
        #expect(ProgressDisplay.plainLine(progress(iteration: 24))
                == "transunet fold 0 (1/5) epoch 3/150 step 24/80 loss 0.4123 ETA 1h02m")
        #expect(ProgressDisplay.barLine(progress(iteration: 24))
                == "transunet fold 0 (1/5) epoch 3/150 [###-------] 24/80 loss 0.4123 ETA 1h02m")
        #expect(ProgressDisplay.barLine(progress(iteration: 80, seconds: nil, phase: "refiner"))
                == "refiner fold 0 (1/5) epoch 3/150 [##########] 80/80 loss 0.4123 ETA --")
        #expect(ProgressDisplay.barLine(progress(iteration: 1)).count < 80)
    }

    @Test func etaIsHoursMinutesOrSeconds() {
        #expect(ProgressDisplay.plainLine(progress(iteration: 1, seconds: 245)).hasSuffix("ETA 4m05s"))
        #expect(ProgressDisplay.plainLine(progress(iteration: 1, seconds: 6.6)).hasSuffix("ETA 7s"))
        #expect(ProgressDisplay.plainLine(progress(iteration: 1, seconds: .infinity)).hasSuffix("ETA --"))
    }

    @Test func plainLinesComeAtMostEveryIntervalAndAtEachEpochEnd() {
        var clock = 0.0
        var written: [String] = []
        var display = ProgressDisplay(style: .plain(interval: 10), now: { clock }, write: { written.append($0) })
        // (time, iteration of a 5-iteration epoch, expected to print)
        let script: [(Double, Int, Bool)] = [
            (0, 1, true), (3, 2, false), (9.9, 3, false), (10, 4, true), (12, 5, true), (13, 1, false), (22.5, 2, true),
        ]
        for (time, iteration, _) in script {
            clock = time
            display.show(progress(iteration: iteration, of: 5))
        }
        #expect(written == script.filter(\.2).map { ProgressDisplay.plainLine(progress(iteration: $0.1, of: 5)) + "\n" })
        display.finish()
        #expect(written.count == 4)
    }

    @Test func aTerminalLineIsRedrawnAndKeptAtEpochEnd() {
        var written: [String] = []
        var display = ProgressDisplay(style: .redrawn, now: { 0 }, write: { written.append($0) })
        display.show(progress(iteration: 1, of: 2))
        display.show(progress(iteration: 2, of: 2))
        display.finish()
        #expect(written == ["\r\u{1B}[K" + ProgressDisplay.barLine(progress(iteration: 1, of: 2)),
                            "\r\u{1B}[K" + ProgressDisplay.barLine(progress(iteration: 2, of: 2)) + "\n"])
        display.show(progress(iteration: 1, of: 2))
        display.finish()
        display.finish()
        #expect(written.suffix(2) == ["\r\u{1B}[K" + ProgressDisplay.barLine(progress(iteration: 1, of: 2)), "\n"])
    }
}
