import COpenBLAS
import Foundation

/// Makes OpenBLAS use the vector kernels this CPU supports when its own detection at load time
/// fell back to the generic ones (see `COpenBLAS/shim.h`: OpenBLAS 0.3.21 on CPU models newer
/// than it, such as this machine's, picks Prescott, ~5× slower at sgemm).
enum BLASKernels {
    /// Re-selects the kernels once, before the first BLAS call (`Parallelism.threadCount` runs
    /// it). An explicit `OPENBLAS_CORETYPE` in the environment is left as it is.
    static func selectNative() {
        guard ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil,
              let name = openblas_get_corename().map({ String(cString: $0) }),
              name.lowercased() == "prescott",
              let core = nativeCore() else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        ultrarefiner_openblas_reselect_kernels()
    }

    /// The OpenBLAS core whose kernels the CPU's flags (`/proc/cpuinfo`) support: SkylakeX for
    /// AVX-512, Haswell for AVX2 with FMA; nil when neither (Prescott is then right).
    private static func nativeCore() -> String? {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return nil }
        let flags = Set(line.split(separator: " ").map(String.init))
        if flags.isSuperset(of: ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"]) { return "SkylakeX" }
        if flags.isSuperset(of: ["avx2", "fma"]) { return "Haswell" }
        return nil
    }
}
