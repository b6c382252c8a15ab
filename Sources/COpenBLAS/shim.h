// Debian installs cblas.h under the openblas-pthread include folder (found via pkg-config).
#include <cblas.h>
// The tensor engine's allocator tuning (mallopt) reaches Swift through this shim too,
// since glibc's Swift module does not export <malloc.h>.
#include <malloc.h>

// OpenBLAS picks its kernels when it is loaded, from the CPU model; 0.3.21 does not know this
// machine's Xeon (family 6, model 207) and falls back to its generic SSE3 (Prescott) kernels,
// about 5x slower at sgemm than the AVX-512 ones the CPU has. The library exports its kernel
// table pointer and selector (not declared in cblas.h); clearing the one and calling the other
// re-runs the selection, which then honours OPENBLAS_CORETYPE set by the caller.
extern void *gotoblas;
void gotoblas_dynamic_init(void);

static inline void ultrarefiner_openblas_reselect_kernels(void) {
    gotoblas = 0;
    gotoblas_dynamic_init();
}
