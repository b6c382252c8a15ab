// Debian installs cblas.h under the openblas-pthread include folder (found via pkg-config).
#include <cblas.h>
