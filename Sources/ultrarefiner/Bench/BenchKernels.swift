import ArgumentParser
import COpenBLAS
import Foundation
import Tensor

/// `ultrarefiner bench kernels`: GFLOP/s of the dense kernels against raw `cblas_sgemm`.
///
/// Raw `cblas_sgemm` at 1024³ (threaded by OpenBLAS itself) is re-timed right before each
/// kernel and the kernel's ratio is taken against that figure, so background load on a shared
/// machine affects both sides alike. The two are timed in blocks rather than call by call:
/// switching OpenBLAS between threaded and single-threaded calls costs a wake-up of its workers
/// each time, and its workers spin for a while after a threaded call.
struct BenchKernels: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernels",
        abstract: "GEMM, attention matmuls, ResNet-50 convolutions (forward and backward) and memcpy bandwidth."
    )

    @Option(help: "Timed repetitions per kernel (the median is reported).")
    var repetitions: Int = 5

    func run() throws {
        print("threads: \(Parallelism.threadCount) (ULTRAREFINER_THREADS; OpenBLAS uses the same)")
        let table = BenchTable(columns: [("kernel", 48), ("shape", 24), ("ms", 8), ("GFLOP/s", 8),
                                         ("vs sgemm", 8), ("target", 6), ("met", 3)],
                               leftAligned: 2)
        table.printHeader()

        var generator = SeededGenerator(seed: 2)
        let sgemm = RawSgemm(m: 1024, k: 1024, n: 1024, generator: &generator)
        let rawSeconds = sgemm.medianSeconds(repetitions: repetitions)
        table.printRow(["raw cblas_sgemm", "1024x1024x1024", format(rawSeconds * 1e3, 1),
                        format(sgemm.flops / rawSeconds / 1e9, 1), "1.00", "", ""])

        // A nil target marks a yardstick row: what raw sgemm itself reaches at that shape.
        let measure = { (name: String, shape: String, flops: Double, target: Double?, body: () -> Void) in
            let reference = sgemm.medianSeconds(repetitions: repetitions)
            let candidate = BenchTiming.medianSeconds(repetitions: repetitions, body)
            let rate = flops / candidate / 1e9
            let ratio = rate / (sgemm.flops / reference / 1e9)
            table.printRow([name, shape, format(candidate * 1e3, 1), format(rate, 1), format(ratio, 2),
                            target.map { format($0, 2) } ?? "", target.map { ratio >= $0 ? "yes" : "no" } ?? ""])
        }

        do {
            let n = 1024
            let a = Self.filled(n * n), b = Self.filled(n * n)
            var c = [Float](repeating: 0, count: n * n)
            measure("matmul (Gemm.multiply)", "1024x1024x1024", sgemm.flops, 0.90) {
                Gemm.multiply(m: n, n: n, k: n, a: a, b: b, c: &c)
            }
        }

        do {
            // SAM ViT-B global attention at 64×64 tokens: 12 heads of dimension 64.
            let heads = 12, tokens = 4096, dim = 64
            let q = Self.filled(heads * tokens * dim), k = Self.filled(heads * tokens * dim)
            let v = Self.filled(heads * tokens * dim)
            var scores = [Float](repeating: 0, count: heads * tokens * tokens)
            var out = [Float](repeating: 0, count: heads * tokens * dim)
            let flops = 2.0 * Double(heads * tokens * tokens * dim)
            measure("attention Q.K^T (batched)", "12 x 4096x64 . 64x4096", flops, 0.90) {
                Gemm.multiplyBatched(batch: heads, transposeB: true, m: tokens, n: tokens, k: dim,
                                     a: q, strideA: tokens * dim, b: k, strideB: tokens * dim,
                                     c: &scores, strideC: tokens * tokens)
            }
            measure("attention P.V (batched)", "12 x 4096x4096 . 4096x64", flops, 0.90) {
                Gemm.multiplyBatched(batch: heads, m: tokens, n: dim, k: tokens,
                                     a: scores, strideA: tokens * tokens, b: v, strideB: tokens * dim,
                                     c: &out, strideC: tokens * dim)
            }
            // The same products straight through cblas_sgemm, threaded by OpenBLAS: how much of
            // any shortfall is the shapes' own (thin K or N, a 64 MiB score matrix per head)
            // rather than our path.
            let (t, d) = (Int32(tokens), Int32(dim))
            let (headSize, scoreSize) = (tokens * dim, tokens * tokens)
            measure("  raw cblas_sgemm loop, Q.K^T shapes", "12 x 4096x64 . 64x4096", flops, nil) {
                Gemm.withOpenBLASThreading {
                q.withUnsafeBufferPointer { q in k.withUnsafeBufferPointer { k in
                    scores.withUnsafeMutableBufferPointer { scores in
                        for h in 0..<heads {
                            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, t, t, d, 1,
                                        q.baseAddress! + h * headSize, d, k.baseAddress! + h * headSize, d,
                                        0, scores.baseAddress! + h * scoreSize, t)
                        }
                    }
                } }
                }
            }
            measure("  raw cblas_sgemm loop, P.V shapes", "12 x 4096x4096 . 4096x64", flops, nil) {
                Gemm.withOpenBLASThreading {
                scores.withUnsafeBufferPointer { scores in v.withUnsafeBufferPointer { v in
                    out.withUnsafeMutableBufferPointer { out in
                        for h in 0..<heads {
                            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, t, d, t, 1,
                                        scores.baseAddress! + h * scoreSize, t, v.baseAddress! + h * headSize, d,
                                        0, out.baseAddress! + h * headSize, d)
                        }
                    }
                } }
                }
            }
        }

        for shape in Self.convolutionShapes {
            let g = shape.geometry
            let x = Self.filled(g.inputCount), w = Self.filled(g.weightCount)
            let bias = Self.filled(g.outChannels), dy = Self.filled(g.outputCount)
            var y = [Float](repeating: 0, count: g.outputCount)
            var dx = [Float](repeating: 0, count: g.inputCount)
            var dw = [Float](repeating: 0, count: g.weightCount)
            var db = [Float](repeating: 0, count: g.outChannels)
            let flops = Self.convolutionFlops(g)
            measure("conv2d forward " + shape.name, shape.size, flops, 0.60) {
                Convolution.forward(input: x, weight: w, bias: bias, output: &y, geometry: g)
            }
            measure("conv2d backward input " + shape.name, shape.size, flops, 0.50) {
                Convolution.backwardInput(outputGrad: dy, weight: w, inputGrad: &dx, geometry: g)
            }
            measure("conv2d backward weight " + shape.name, shape.size, flops, 0.50) {
                Convolution.backwardWeight(input: x, outputGrad: dy, weightGrad: &dw, biasGrad: &db, geometry: g)
            }
        }

        print("(ratios: each kernel against raw sgemm timed right before it, medians of "
              + "\(repetitions); targets: matmul/attention 0.90, conv forward 0.60, backward 0.50)")
        let copy = memcpyRate()
        print("memcpy 16M floats (64 MiB): \(format(copy.seconds * 1e3, 2)) ms, "
              + "\(format(copy.rate, 2)) GB/s copied (read + write traffic is twice that)")
    }

    /// Copies 16 M floats between two buffers already faulted in.
    private func memcpyRate() -> (seconds: Double, rate: Double) {
        let count = 16 << 20
        let source = Self.filled(count)
        var destination = [Float](repeating: 0, count: count)
        let seconds = BenchTiming.medianSeconds(repetitions: repetitions) {
            destination.withUnsafeMutableBytes { target in
                source.withUnsafeBytes { _ = memcpy(target.baseAddress!, $0.baseAddress!, $0.count) }
            }
        }
        return (seconds, Double(count * MemoryLayout<Float>.size) / seconds / 1e9)
    }

    /// ResNet-50 convolutions at batch 1 (a 3×3 bottleneck conv, a strided 1×1 downsample, the
    /// stem), then TransUNet's last decoder conv at full resolution, which is lowered in bands.
    static let convolutionShapes: [(name: String, size: String, geometry: Conv2DGeometry)] = [
        ("3x3 64->64", "1x64x56x56 k3 p1",
         Conv2DGeometry(batch: 1, inChannels: 64, inHeight: 56, inWidth: 56, outChannels: 64,
                        kernelHeight: 3, kernelWidth: 3, padH: 1, padW: 1)),
        ("1x1/2 256->512", "1x256x56x56 k1 s2",
         Conv2DGeometry(batch: 1, inChannels: 256, inHeight: 56, inWidth: 56, outChannels: 512,
                        kernelHeight: 1, kernelWidth: 1, strideH: 2, strideW: 2)),
        ("stem 7x7/2 3->64", "1x3x224x224 k7 s2 p3",
         Conv2DGeometry(batch: 1, inChannels: 3, inHeight: 224, inWidth: 224, outChannels: 64,
                        kernelHeight: 7, kernelWidth: 7, strideH: 2, strideW: 2, padH: 3, padW: 3)),
        ("3x3 64->16 @224 (banded)", "1x64x224x224 k3 p1",
         Conv2DGeometry(batch: 1, inChannels: 64, inHeight: 224, inWidth: 224, outChannels: 16,
                        kernelHeight: 3, kernelWidth: 3, padH: 1, padW: 1)),
    ]

    /// Multiply-adds ×2 of a convolution; each of its two gradients costs the same.
    static func convolutionFlops(_ g: Conv2DGeometry) -> Double {
        2 * Double(g.batch * g.outChannels * g.outHeight * g.outWidth)
            * Double(g.inChannels / g.groups * g.kernelHeight * g.kernelWidth)
    }

    /// Deterministic, non-trivial data (values in [-1, 1)); the rates do not depend on it.
    static func filled(_ count: Int) -> [Float] {
        var generator = SeededGenerator(seed: UInt64(count))
        return (0..<count).map { _ in Float(generator.uniform(-1, 1)) }
    }

    private func format(_ value: Double, _ digits: Int) -> String {
        String(format: "%.\(digits)f", value)
    }
}
