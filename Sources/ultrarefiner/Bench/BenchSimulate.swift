import ArgumentParser
import Imaging
import Tensor

#if canImport(Glibc)
import Glibc
#endif

/// `ultrarefiner bench simulate`: failure-simulator throughput on one core at 256² and
/// 1024² (the simulator itself is single-threaded; training runs one generator per worker).
///
/// Both wall-clock and thread-CPU rates are printed: on a shared machine the wall-clock
/// rate measures the contention as much as the code, the CPU rate is what one core delivers.
struct BenchSimulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Samples per second of the failure simulator at 256x256 and 1024x1024 (one core).")

    @Option(help: "Seconds to measure at each size.")
    var seconds: Double = 3

    @Option(parsing: .upToNextOption, help: "Square image sizes to measure.")
    var sizes: [Int] = [256, 1024]

    func run() throws {
        for size in sizes {
            var generator = SeededGenerator(seed: 99)
            let masks = (0..<16).map { _ in SyntheticLesion.random(width: size, height: size, using: &generator) }
            let simulator = FailureSimulator(seed: 1)
            let clock = ContinuousClock()
            let start = clock.now, cpuStart = Self.threadCPUSeconds()
            var samples = 0
            while samples < 10 || clock.now - start < .milliseconds(Int(seconds * 1000)) {
                _ = try simulator.sample(groundTruth: masks[samples % masks.count], index: samples)
                samples += 1
            }
            let elapsed = clock.now - start
            let wall = elapsed / .seconds(1)
            let cpu = Self.threadCPUSeconds() - cpuStart
            print("simulate \(size)x\(size): \(String(format: "%.1f", Double(samples) / cpu)) samples/s per CPU-second "
                  + "(\(String(format: "%.2f", 1000 * cpu / Double(samples))) ms CPU per sample); "
                  + "wall clock \(String(format: "%.1f", Double(samples) / wall)) samples/s "
                  + "(\(samples) samples in \(String(format: "%.2f", wall)) s, one thread)")
        }
    }

    /// CPU time consumed by the calling thread.
    static func threadCPUSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }
}
