// Blocks SIGTERM, SIGINT and SIGHUP before any thread of ultrarefinerd exists.
//
// The daemon receives these signals through a signalfd that its main loop polls
// (Sources/Daemon/Runtime/SignalFlags.swift). That only works if no thread leaves them
// unblocked: the kernel hands a process-directed signal to any thread that does, and its default
// action ends the process. Threads inherit their creator's mask, so blocking in main() is too
// late for threads that shared libraries start from their constructors, before main: OpenBLAS
// starts its whole thread pool there. An entry in the executable's .preinit_array runs before
// every shared library's constructor (glibc's _dl_init calls it first), so from here on every
// thread, whoever creates it and whenever, starts with the signals blocked.
//
// Linked into ultrarefinerd only: the CLI and the test runners keep their default handling.
// Keep the set equal to SignalFlags' (the daemon tests check every thread's mask).
//
// Chosen over apple/swift-service-lifecycle: its UnixSignalsSequence rests on Dispatch's signal
// sources, which on Linux block the signal only in Dispatch's manager thread and repair a
// thread that leaves it unblocked only after a signal has landed there; it would also move the
// synchronous main loop and the lane threads onto Swift concurrency. This is one syscall, needs
// no dependency, and holds from the first instruction of the process.

#include <signal.h>

static void ultrarefinerd_block_stop_and_reload_signals(int argc, char **argv, char **envp) {
    (void)argc;
    (void)argv;
    (void)envp;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigprocmask(SIG_BLOCK, &set, 0);
}

__attribute__((section(".preinit_array"), used))
static void (*const ultrarefinerd_preinit)(int, char **, char **) = ultrarefinerd_block_stop_and_reload_signals;
