import Foundation
import Tensor

/// Measurements of the machine and process that the model benchmarks share: the sgemm
/// reference their throughput is set against, CPU time and peak memory.
enum BenchMachine {
    /// GFLOP/s of one encoder-shaped GEMM (ViT-B's MLP first layer), median of 5. Re-timed in
    /// each run because on a shared machine only ratios to it are comparable between runs.
    static func sgemmGFLOPs(generator: inout SeededGenerator) -> Double {
        let a = Tensor.randn([4096, 768], generator: &generator), b = Tensor.randn([768, 3072], generator: &generator)
        let seconds = noGrad { BenchTiming.medianSeconds(repetitions: 5) { _ = a.matmul(b) } }
        return 2 * 4096 * 768 * 3072 / seconds / 1e9
    }

    /// CPU seconds used by all of the process's threads so far.
    static func processCPUSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    /// The process's peak resident set size.
    static func peakRSSGiB() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) * 1024 / Double(1 << 30)  // Linux reports kilobytes
    }

    /// The 1-, 5- and 15-minute load averages, printed beside every figure: on a machine
    /// shared with other builds they say how much of it the run had.
    static func loadAverages() -> String {
        var loads = [Double](repeating: 0, count: 3)
        guard getloadavg(&loads, 3) == 3 else { return "load average unavailable" }
        return String(format: "load average %.2f, %.2f, %.2f", loads[0], loads[1], loads[2])
    }
}
