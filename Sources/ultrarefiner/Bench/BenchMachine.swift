import COpenBLAS
import Foundation
import Tensor

/// Measurements of the machine and process that the model benchmarks share: the sgemm
/// reference their throughput is set against, CPU time and peak memory.
enum BenchMachine {
    /// GFLOP/s of one encoder-shaped GEMM (ViT-B's MLP first layer) through `cblas_sgemm` with
    /// OpenBLAS threading it itself, median of 5: the library's own figure, not our `Gemm`'s.
    /// Re-timed in each run because on a shared machine only ratios to it are comparable.
    static func sgemmGFLOPs(generator: inout SeededGenerator) -> Double {
        let (m, k, n) = (4096, 768, 3072)
        let a = Tensor.randn([m, k], generator: &generator).scalars, b = Tensor.randn([k, n], generator: &generator).scalars
        var c = [Float](repeating: 0, count: m * n)
        let seconds = Gemm.withOpenBLASThreading {
            BenchTiming.medianSeconds(repetitions: 5) {
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1,
                            a, Int32(k), b, Int32(n), 0, &c, Int32(n))
            }
        }
        Gemm.waitForOpenBLASWorkers()
        return 2 * Double(m * k * n) / seconds / 1e9
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
