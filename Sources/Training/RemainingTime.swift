/// The job's pace in this run, for the ETA in progress reports. Only iterations run now
/// count: a resumed job does not pretend to know how fast the earlier run was.
struct RemainingTime {
    private let start = ContinuousClock.now
    private var iterations = 0

    /// Counts one finished iteration.
    mutating func tick() { iterations += 1 }

    /// Seconds for `remaining` more iterations at the average pace so far; nil before any.
    func estimate(remaining: Int) -> Double? {
        guard iterations > 0 else { return nil }
        return start.duration(to: .now) / .seconds(1) / Double(iterations) * Double(remaining)
    }
}
