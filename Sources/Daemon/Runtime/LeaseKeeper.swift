import Foundation
import Logging
import Spool

/// Keeps this instance's lease alive and takes over the items of instances whose leases have
/// expired. It runs on its own timer, every third of the lease, so neither a long model load
/// or reload nor a busy lane lets the lease lapse.
final class LeaseKeeper: @unchecked Sendable {
    private let lease: SpoolLease
    private let queue: SpoolQueue
    private let logger: Logger
    private let timerQueue = DispatchQueue(label: "ultrarefinerd-lease")
    private let timer: DispatchSourceTimer
    // Touched only on `timerQueue`.
    /// Called after items were adopted; nil until the lanes run.
    private var onAdopted: (@Sendable () -> Void)?
    /// Whether this process's record is in place. Until it is, a heartbeat must write it, not
    /// touch whatever lease file a dead predecessor left.
    private var acquired: Bool

    /// Starts renewing `lease`, or acquiring it at every heartbeat when that failed so far.
    init(lease: SpoolLease, acquired: Bool, queue: SpoolQueue, logger: Logger) {
        self.lease = lease
        self.acquired = acquired
        self.queue = queue
        self.logger = logger
        timer = DispatchSource.makeTimerSource(queue: timerQueue)
        let interval = lease.seconds / 3
        timer.schedule(deadline: .now() + interval, repeating: interval, leeway: .milliseconds(50))
        timer.setEventHandler { [unowned self] in tick() }
        timer.resume()
    }

    /// Adopts expired areas now, before the lanes start (they finish adopted items with their
    /// own leftovers), and from then on at every tick, calling `onAdopted` when items moved in.
    func startAdopting(onAdopted: @escaping @Sendable () -> Void) {
        timerQueue.sync {
            adopt()
            self.onAdopted = onAdopted
        }
    }

    /// Stops the timer (waiting for a tick in progress) and gives the area up if it is empty.
    func stop() {
        timer.cancel()
        timerQueue.sync {}
        lease.release()
    }

    private func tick() {
        do {
            if !acquired {
                try lease.acquire()
                acquired = true
                logger.notice("lease of \(lease.instance) written")
            } else if try !lease.renew() {
                logger.warning("the lease of \(lease.instance) had gone (this instance stalled past its lease and another adopted its items); written again")
            }
        } catch {
            logger.error("cannot renew the lease: \(error); other instances adopt this one's items once it expires")
        }
        if adopt() { onAdopted?() }
    }

    /// True when items were moved in.
    @discardableResult
    private func adopt() -> Bool {
        do {
            let adopted = try queue.adoptExpiredAreas(defaultLeaseSeconds: lease.seconds)
            for area in adopted {
                let owner = area.instance.isEmpty ? "work/ (left by an earlier version)" : "instance \(area.instance), whose lease expired"
                logger.notice("adopted \(area.names.count) file(s) from \(owner): \(area.names.joined(separator: ", "))")
            }
            return !adopted.isEmpty
        } catch {
            logger.error("cannot adopt the items of expired instances: \(error)")
            return false
        }
    }
}
