import COpenBLAS
#if canImport(Glibc)
import Glibc
#endif

/// Returning freed tensor memory to the system. The allocator is tuned to keep freed blocks
/// for reuse (see `TensorStorage`), which is right inside one forward/backward pass but leaves a
/// long-running daemon at its peak size between items; it calls this when an item is done.
public enum HeapRelease {
    /// Gives the heap's free pages back to the kernel (glibc `malloc_trim`).
    public static func trim() {
        #if canImport(Glibc)
        _ = malloc_trim(0)
        #endif
    }
}
