// libFuzzer's driver entry point (compiler-rt, linked in by -sanitize=fuzzer). SwiftPM gives
// every executable its own renamed `main`, which keeps libFuzzer's from being used, so each
// harness's `main` hands its callback to the driver instead.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
