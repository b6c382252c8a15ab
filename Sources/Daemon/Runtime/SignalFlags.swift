import CSystemd
import Foundation

/// SIGTERM/SIGINT (stop) and SIGHUP (reload), received through a `signalfd` that the main loop
/// polls. This works only while no thread of the process leaves them unblocked: `ultrarefinerd`
/// blocks them before any thread exists (the `CDaemonSignalMask` target, whose set must match
/// this one), so one sent while the daemon is still starting waits as pending instead of being
/// lost or killing it half-way.
final class SignalFlags {
    private let descriptor: Int32
    private var stop = false
    private var reload = false

    /// Blocks the three signals in this thread (already done in `ultrarefinerd`; a host that
    /// embeds the runtime gets at least its own later threads covered) and opens the descriptor
    /// that receives them.
    init() {
        var set = sigset_t()
        sigemptyset(&set)
        for number in [SIGTERM, SIGINT, SIGHUP] { sigaddset(&set, number) }
        pthread_sigmask(SIG_BLOCK, &set, nil)
        descriptor = signalfd(-1, &set, Int32(SFD_NONBLOCK | SFD_CLOEXEC))
        precondition(descriptor >= 0, "signalfd: \(String(cString: strerror(errno)))")
    }

    deinit { close(descriptor) }

    /// Reads every pending signal into the flags.
    private func drain() {
        var info = signalfd_siginfo()
        while read(descriptor, &info, MemoryLayout<signalfd_siginfo>.size) == MemoryLayout<signalfd_siginfo>.size {
            if Int32(info.ssi_signo) == SIGHUP { reload = true } else { stop = true }
        }
    }

    /// True once a stop signal arrived.
    var stopRequested: Bool {
        drain()
        return stop
    }

    /// True once per SIGHUP (the flag is cleared by reading it).
    func takeReloadRequest() -> Bool {
        drain()
        defer { reload = false }
        return reload
    }
}
