import Dispatch

/// Wall-clock timing for the benchmarks: one untimed warm-up (page faults, OpenBLAS thread
/// start-up, caches), then the median of several timed runs, which shrugs off the odd
/// descheduling on a shared machine better than the mean.
enum BenchTiming {
    /// Median seconds of `repetitions` timed calls of `body`, after one warm-up call;
    /// `between` runs untimed after each call.
    static func medianSeconds(repetitions: Int, between: () -> Void = {}, _ body: () -> Void) -> Double {
        body()
        between()
        return median((0..<max(1, repetitions)).map { _ in
            defer { between() }
            return seconds(body)
        })
    }

    /// Median seconds of `reference` and of `candidate`, timed alternately after one warm-up
    /// each, so that both see the same background load and their ratio stays meaningful on a
    /// machine shared with other work.
    static func interleavedMedians(repetitions: Int, reference: () -> Void,
                                   candidate: () -> Void) -> (reference: Double, candidate: Double) {
        reference()
        candidate()
        var referenceSamples: [Double] = [], candidateSamples: [Double] = []
        for _ in 0..<max(1, repetitions) {
            referenceSamples.append(seconds(reference))
            candidateSamples.append(seconds(candidate))
        }
        return (median(referenceSamples), median(candidateSamples))
    }

    static func seconds(_ body: () -> Void) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    static func median(_ samples: [Double]) -> Double {
        let sorted = samples.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}

/// A fixed-width text table printed row by row, so results appear as they are measured.
struct BenchTable {
    let columns: [(title: String, width: Int)]
    /// How many leading (text) columns are left-aligned; the numeric rest are right-aligned.
    var leftAligned = 1

    /// Prints the header and a rule.
    func printHeader() {
        printRow(columns.map(\.title))
        print(String(repeating: "-", count: columns.reduce(0) { $0 + $1.width + 2 }))
    }

    /// Prints one row, padding each cell to its column's width.
    func printRow(_ cells: [String]) {
        var line = ""
        for (index, (cell, column)) in zip(cells, columns).enumerated() {
            let padding = String(repeating: " ", count: max(0, column.width - cell.count))
            line += index < leftAligned ? cell + padding : padding + cell
            line += "  "
        }
        print(line)
    }
}
