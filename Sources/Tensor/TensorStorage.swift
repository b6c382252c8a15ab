import COpenBLAS

/// The heap block behind one or more tensors (views share it).
///
/// A class so that views and copies share bytes and `isKnownUniquelyReferenced` can drive
/// copy-on-write. The block is 64-byte aligned so vector loads never split cache lines.
final class TensorStorage: @unchecked Sendable {
    let base: UnsafeMutablePointer<Float>
    let capacity: Int

    init(capacity: Int) {
        _ = TensorStorage.allocatorTuned
        let count = max(capacity, 1)
        base = UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<Float>.stride, alignment: 64)
            .bindMemory(to: Float.self, capacity: count)
        self.capacity = capacity
    }

    deinit { UnsafeMutableRawPointer(base).deallocate() }

    /// glibc serves blocks above 32 MB by mmap and unmaps them on free, so every large
    /// intermediate would be page-faulted (and zeroed by the kernel) afresh on each op, which
    /// halves the speed of memory-bound ops. Serving everything from the heap, and not trimming
    /// it, lets freed tensor blocks be reused, as PyTorch's caching allocator does.
    /// (`M_MMAP_THRESHOLD` cannot be raised above 32 MB, hence disabling mmap outright.)
    private static let allocatorTuned: Bool = {
        #if canImport(Glibc)
        _ = mallopt(M_MMAP_MAX, 0)
        _ = mallopt(M_TRIM_THRESHOLD, 1 << 30)
        #endif
        return true
    }()
}
