import ArgumentParser
import Foundation
import Tensor

/// `ultrarefiner bench ops`: throughput of the memory-bound tensor ops against `memcpy`.
///
/// Each op's effective bandwidth counts the bytes it must read and write once (e.g. 3 × 64 MB
/// for an elementwise add of 16 M floats); the ratio to `memcpy` of the same buffer size,
/// measured in the same run, shows how close the op gets to the memory system's limit.
struct BenchOps: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ops",
        abstract: "Effective GB/s of memory-bound tensor ops (16 M floats) and their ratio to memcpy.")

    @Option(help: "Elements per tensor.")
    var count = 16 * 1024 * 1024

    @Option(help: "Timed repetitions per op (the median is reported).")
    var repetitions = 7

    @Option(help: "Row length for softmax and layer norm.")
    var rowLength = 1024

    func validate() throws {
        guard rowLength > 0, count >= rowLength, count % rowLength == 0, repetitions > 0 else {
            throw ValidationError("--count must be a positive multiple of --row-length, --repetitions positive")
        }
    }

    func run() {
        var generator = SeededGenerator(seed: 1)
        let a = Tensor.randn([count / rowLength, rowLength], generator: &generator)
        let b = Tensor.randn([count / rowLength, rowLength], generator: &generator)
        let gamma = Tensor.randn([rowLength], generator: &generator)
        let beta = Tensor.randn([rowLength], generator: &generator)
        let bytes = Double(count * MemoryLayout<Float>.stride)

        // The destination is allocated and touched once, so only the copy itself is timed.
        let destination = UnsafeMutableRawPointer.allocate(byteCount: Int(bytes), alignment: 64)
        defer { destination.deallocate() }
        memset(destination, 0, Int(bytes))
        let copy = { Self.time { _ = a.withUnsafeBufferPointer { memcpy(destination, $0.baseAddress!, Int(bytes)) } } }
        print("threads \(Parallelism.threadCount), \(count) floats (\(Int(bytes) >> 20) MB per tensor); "
              + "memcpy timed alternately with each op, counting read + write")

        let ops: [(name: String, streams: Double, body: () -> Tensor)] = [
            ("mul", 3, { a * b }),
            ("add", 3, { a + b }),
            ("scalar mul", 2, { a * 2 }),
            ("gelu (erf)", 2, { a.gelu() }),
            ("gelu (tanh)", 2, { a.gelu(approximate: .tanh) }),
            ("softmax (rows)", 2, { a.softmax(axis: -1) }),
            ("layer norm (rows)", 2, { a.layerNorm(weight: gamma, bias: beta) }),
            ("sum", 1, { a.sum() }),
        ]
        noGrad {
            // One untimed pass over every op first, so the heap already holds blocks of every
            // size and the worker threads are up when the first op is timed.
            for op in ops { _ = op.body() }
            for op in ops {
                // memcpy is re-timed alternately with the op, so load changes on a shared machine
                // hit both sides of the ratio alike.
                var opTimes: [Double] = [], copyTimes: [Double] = []
                for _ in 0..<repetitions {
                    copyTimes.append(copy())
                    opTimes.append(Self.time { _ = op.body() })
                }
                let seconds = Self.middle(opTimes)
                let rate = op.streams * bytes / seconds / 1e9
                let copyRate = 2 * bytes / Self.middle(copyTimes) / 1e9
                print(Self.padded(op.name) + String(format: " %6.2f GB/s  (%.1f ms)   memcpy %6.2f GB/s   ratio %.2f",
                                                    rate, seconds * 1e3, copyRate, rate / copyRate))
            }
        }
    }

    /// The name left-aligned in a fixed-width column.
    static func padded(_ name: String) -> String {
        name.padding(toLength: 20, withPad: " ", startingAt: 0)
    }

    /// Wall time of one call.
    static func time(_ body: () -> Void) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// The median of samples.
    static func middle(_ samples: [Double]) -> Double {
        samples.sorted()[samples.count / 2]
    }
}
