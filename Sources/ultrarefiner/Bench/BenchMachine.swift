import COpenBLAS
import Foundation
import Tensor

/// Measurements of the machine and process that the model benchmarks share: the sgemm
/// reference their throughput is set against, CPU time and peak memory.
enum BenchMachine {
    /// GFLOP/s of one encoder-shaped GEMM (ViT-B's MLP first layer), median of 5: the
    /// library's own figure, not our `Gemm`'s. Re-timed in each run because on a shared machine
    /// only ratios to it are comparable.
    static func sgemmGFLOPs(generator: inout SeededGenerator) -> Double {
        RawSgemm(m: 4096, k: 768, n: 3072, generator: &generator).gflops(repetitions: 5)
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

/// The benchmarks' yardstick: an m×k by k×n `cblas_sgemm` straight through the C interface, on
/// buffers it owns, threaded by OpenBLAS itself (the library's own figure). Its workers are
/// idle again when a timing returns, so they do not spin beside what is timed next.
final class RawSgemm {
    let m: Int, k: Int, n: Int
    private let a: [Float], b: [Float]
    private var c: [Float]

    init(m: Int, k: Int, n: Int, generator: inout SeededGenerator) {
        (self.m, self.k, self.n) = (m, k, n)
        a = Tensor.randn([m, k], generator: &generator).scalars
        b = Tensor.randn([k, n], generator: &generator).scalars
        c = [Float](repeating: 0, count: m * n)
    }

    /// Floating-point operations of one product (a multiply-add counts two).
    var flops: Double { 2 * Double(m) * Double(k) * Double(n) }

    /// Median seconds of one product over `repetitions`.
    func medianSeconds(repetitions: Int) -> Double {
        let (mm, kk, nn) = (Int32(m), Int32(k), Int32(n))
        defer { Gemm.waitForOpenBLASWorkers() }
        return Gemm.withOpenBLASThreading {
            BenchTiming.medianSeconds(repetitions: repetitions) {
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, mm, nn, kk, 1, a, kk, b, nn, 0, &c, nn)
            }
        }
    }

    /// GFLOP/s of the median product over `repetitions`.
    func gflops(repetitions: Int) -> Double { flops / medianSeconds(repetitions: repetitions) / 1e9 }
}
