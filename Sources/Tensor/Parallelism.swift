import COpenBLAS
import Dispatch
import Foundation

/// How many cores the numeric code uses, and a chunked parallel loop over them.
///
/// The count comes from `ULTRAREFINER_THREADS` (default: all active cores). OpenBLAS is set to
/// one thread at the same moment, because `Gemm` splits large products over these threads
/// itself, and its kernels are checked against the CPU (`BLASKernels`).
public enum Parallelism {
    /// Threads for numeric work, read once from the environment.
    public static let threadCount: Int = {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let requested = ProcessInfo.processInfo.environment["ULTRAREFINER_THREADS"].flatMap { Int($0) }
        let count = max(1, requested ?? cores)
        BLASKernels.selectNative()
        openblas_set_num_threads(1)
        return count
    }()

    /// Runs `body` with the numeric loops and GEMMs started from this thread limited to
    /// `threads`, so two long-running callers (the daemon's inference and training lanes) split
    /// the cores instead of each assuming all of them.
    public static func withThreadBudget<T>(_ threads: Int, _ body: () throws -> T) rethrows -> T {
        let previous = pthread_getspecific(budgetKey)
        pthread_setspecific(budgetKey, UnsafeRawPointer(bitPattern: max(1, threads)))
        defer { pthread_setspecific(budgetKey, previous) }
        return try body()
    }

    /// The threads this thread may use: its budget when one is set, else `threadCount`.
    public static var currentThreadLimit: Int {
        guard let budget = pthread_getspecific(budgetKey) else { return threadCount }
        return min(threadCount, Int(bitPattern: budget))
    }

    /// Thread-specific storage for the budget (a pointer-sized integer; nil when unset).
    private static let budgetKey: pthread_key_t = {
        var key = pthread_key_t()
        precondition(pthread_key_create(&key, nil) == 0, "pthread_key_create failed")
        return key
    }()

    /// Calls `body` on disjoint chunks covering `0..<count`, in parallel when the work is
    /// large enough to pay for the threads (`count * costPerItem` above ~64 K operations).
    /// Parallel chunks run with a budget of one thread, so loops nested in them stay serial.
    public static func forEach(_ count: Int, costPerItem: Int = 1, _ body: (Range<Int>) -> Void) {
        forEachChunk(count, costPerItem: costPerItem) { _, range in body(range) }
    }

    /// How many chunks `forEach` and `forEachChunk` split this work into (1 when it runs serially).
    public static func chunkCount(_ count: Int, costPerItem: Int = 1) -> Int {
        let threads = currentThreadLimit
        if count <= 1 || threads == 1 || count * max(costPerItem, 1) < 65_536 { return 1 }
        return min(threads, count)
    }

    /// `forEach` that also passes each chunk's index in `0..<chunkCount(count, costPerItem:)`, so
    /// a kernel can give every chunk its own slice of one scratch buffer allocated beforehand
    /// on the calling thread, instead of each chunk allocating on whichever thread runs it.
    public static func forEachChunk(_ count: Int, costPerItem: Int = 1, _ body: (_ chunk: Int, Range<Int>) -> Void) {
        guard count > 0 else { return }
        let chunks = chunkCount(count, costPerItem: costPerItem)
        if chunks == 1 {
            body(0, 0..<count)
            return
        }
        withoutActuallyEscaping(body) { body in
            // The chunks are disjoint by construction, which is what makes sharing the
            // (typically pointer-capturing) body across threads safe.
            let shared = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                let start = count * chunk / chunks
                let end = count * (chunk + 1) / chunks
                if start < end { withThreadBudget(1) { shared.value(chunk, start..<end) } }
            }
        }
    }
}

/// Carries a value across a concurrency boundary whose safety the caller guarantees.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
