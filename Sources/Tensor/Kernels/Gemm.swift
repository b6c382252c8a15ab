import COpenBLAS

/// Row-major single-precision matrix multiply, the one path every dense kernel goes through.
///
/// It touches `Parallelism.threadCount` first so OpenBLAS's thread count is configured before
/// its first call, whichever kernel runs first.
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
        cblas_sgemm(CblasRowMajor,
                    transposeA ? CblasTrans : CblasNoTrans,
                    transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha,
                    a, Int32(lda ?? (transposeA ? m : k)),
                    b, Int32(ldb ?? (transposeB ? k : n)),
                    beta, c, Int32(ldc ?? n))
    }

    /// Products up to this many multiply-adds (m·n·k) run on the calling thread inside OpenBLAS
    /// (its `GEMM_MULTITHREAD_THRESHOLD` 4 × `SMP_THRESHOLD_MIN` 65536), so several of them can
    /// run concurrently on our own threads without oversubscribing the cores.
    public static let singleThreadedWork = 262_144

    /// `batch` independent products laid out at fixed strides (elements) from `a`, `b` and `c`,
    /// as attention's per-head matmuls are. Large products run in sequence, each threaded by
    /// OpenBLAS; small ones (which OpenBLAS would run on one thread) are spread over our threads.
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
        if work <= singleThreadedWork {
            Parallelism.forEach(batch, costPerItem: work, run)
        } else {
            run(0..<batch)
        }
    }
}
