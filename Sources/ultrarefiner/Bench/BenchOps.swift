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
        let copy = { _ = a.withUnsafeBufferPointer { memcpy(destination, $0.baseAddress!, Int(bytes)) } }

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
        print("threads \(Parallelism.threadCount), \(count) floats (\(Int(bytes) >> 20) MB per tensor)")
        let table = BenchTable(columns: [("op", 20), ("ms", 8), ("GB/s", 8), ("memcpy GB/s", 12), ("ratio", 6)])
        table.printHeader()
        noGrad {
            // One untimed pass over every op first, so the heap already holds blocks of every
            // size and the worker threads are up when the first op is timed.
            for op in ops { _ = op.body() }
            for op in ops {
                let times = BenchTiming.interleavedMedians(repetitions: repetitions, reference: copy,
                                                           candidate: { _ = op.body() })
                let rate = op.streams * bytes / times.candidate / 1e9
                let copyRate = 2 * bytes / times.reference / 1e9
                table.printRow([op.name, Self.format(times.candidate * 1e3, 1), Self.format(rate, 2),
                                Self.format(copyRate, 2), Self.format(rate / copyRate, 2)])
            }
        }
        print("(GB/s counts each op's compulsory reads and writes; memcpy counts read + write and is "
              + "timed alternately with each op; medians of \(repetitions) runs)")
    }

    private static func format(_ value: Double, _ decimals: Int) -> String {
        String(format: "%.\(decimals)f", value)
    }
}
