// Debian installs cblas.h under the openblas-pthread include folder (found via pkg-config).
#include <cblas.h>
// The tensor engine's allocator tuning (mallopt) reaches Swift through this shim too,
// since glibc's Swift module does not export <malloc.h>.
#include <malloc.h>
