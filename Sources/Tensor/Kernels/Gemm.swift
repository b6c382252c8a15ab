import COpenBLAS
#if canImport(Glibc)
import Glibc
#endif

/// Row-major single-precision matrix multiply, the one path every dense kernel goes through.
///
/// OpenBLAS runs every call on the calling thread (`Parallelism.threadCount` sets it to one
/// thread before its first call); products large enough to share are split here into one block
/// of rows or columns per thread. OpenBLAS 0.3.21 cannot be told per call how many threads to
/// use: its threaded calls cost a wake-up and a join each, which the TinyViT encoder's hundreds
/// of per-window products paid over and over, and its idle threads spin in `sched_yield` for a
/// while after every call, taking the cores from the elementwise loops that run next. Splitting
/// ourselves also makes a caller's thread budget (`Parallelism.withThreadBudget`) hold for GEMMs.
public enum Gemm {
    /// `c = alpha * op(a) * op(b) + beta * c` on row-major matrices; `op(a)` is m×k, `op(b)` k×n.
    /// `lda`/`ldb`/`ldc` default to the contiguous row lengths of the stored matrices.
    public static func multiply(
        transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int? = nil,
        b: UnsafePointer<Float>, ldb: Int? = nil,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int? = nil
    ) {
        guard m > 0, n > 0 else { return }
        _ = Parallelism.threadCount
        if k == 0 {
            // An empty inner dimension makes the product zero; scale C here rather than rely
            // on how a BLAS treats k == 0 (beta == 0 must also clear NaNs already in C).
            let rowLength = ldc ?? n
            for i in 0..<m {
                let row = c + i * rowLength
                for j in 0..<n { row[j] = beta == 0 ? 0 : beta * row[j] }
            }
            return
        }
        let lda = lda ?? (transposeA ? m : k), ldb = ldb ?? (transposeB ? k : n), ldc = ldc ?? n
        let call = { (m: Int, n: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>) in
            cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                        Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
        }
        // The longer side of C is cut into blocks whose edges fall on multiples of 16, the
        // widest register tile of OpenBLAS's kernels, so no block ends in a ragged strip.
        let splitColumns = n >= m
        let extent = splitColumns ? n : m
        let blocks = min(Parallelism.currentThreadLimit, extent / 16)
        guard blocks > 1, m * n * k > singleThreadedWork else { return call(m, n, a, b, c) }
        Parallelism.forEach(blocks, costPerItem: m * n * k) { range in
            for block in range {
                let start = (extent * block / blocks) & ~15
                let end = block + 1 == blocks ? extent : (extent * (block + 1) / blocks) & ~15
                if splitColumns {
                    call(m, end - start, a, transposeB ? b + start * ldb : b + start, c + start)
                } else {
                    call(end - start, n, transposeA ? a + start : a + start * lda, b, c + start * ldc)
                }
            }
        }
    }

    /// `into = input · weightᵀ + bias` for `rows` rows and a `Linear`'s (outFeatures, inFeatures)
    /// weight, started from the bias as `linear` does (OpenBLAS would otherwise clear the result
    /// first, a pass that adding the bias afterwards repeats), so both round alike. For the fused
    /// kernels that project rows held in their own scratch.
    static func linear(_ input: UnsafePointer<Float>, rows: Int, inFeatures: Int, outFeatures: Int,
                       weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, into result: UnsafeMutablePointer<Float>) {
        if let bias {
            for r in 0..<rows { (result + r * outFeatures).update(from: bias, count: outFeatures) }
        }
        multiply(transposeB: true, m: rows, n: outFeatures, k: inFeatures, a: input, b: weight,
                 beta: bias == nil ? 0 : 1, c: result)
    }

    /// Runs `body` with OpenBLAS threading each of its calls itself, over `Parallelism.threadCount`
    /// threads, as a stock OpenBLAS does. For the benchmarks' raw-sgemm yardstick only: the
    /// setting is process-wide, so nothing else may call BLAS meanwhile. Follow it with
    /// `waitForOpenBLASWorkers()` before timing anything else.
    public static func withOpenBLASThreading<T>(_ body: () throws -> T) rethrows -> T {
        openblas_set_num_threads(Int32(Parallelism.threadCount))
        defer { openblas_set_num_threads(1) }
        return try body()
    }

    /// Waits until OpenBLAS's workers have gone idle after a `withOpenBLASThreading` call: they
    /// spin for about 2²⁸ cycles (0.1 s) after each threaded call and would take the cores from
    /// whatever a benchmark times next.
    public static func waitForOpenBLASWorkers() {
        usleep(200_000)
    }

    /// Products up to this many multiply-adds (m·n·k) are not worth splitting over threads
    /// (OpenBLAS's own threshold: `GEMM_MULTITHREAD_THRESHOLD` 4 × `SMP_THRESHOLD_MIN` 65536).
    public static let singleThreadedWork = 262_144

    /// `batch` independent products laid out at fixed strides (elements) from `a`, `b` and `c`,
    /// as attention's per-head matmuls are. They are spread over the threads whole, one product
    /// per thread at a time, unless there are fewer large products than threads; those run in
    /// sequence, each split by `multiply`.
    public static func multiplyBatched(
        batch: Int, transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, strideA: Int,
        b: UnsafePointer<Float>, strideB: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, strideC: Int
    ) {
        let work = m * n * k
        let run = { (items: Range<Int>) in
            for item in items {
                multiply(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                         alpha: alpha, a: a + item * strideA, b: b + item * strideB,
                         beta: beta, c: c + item * strideC)
            }
        }
        if work <= singleThreadedWork || batch >= Parallelism.currentThreadLimit {
            Parallelism.forEach(batch, costPerItem: work, run)
        } else {
            run(0..<batch)
        }
    }
}
