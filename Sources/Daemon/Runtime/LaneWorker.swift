import Foundation
import Logging
import Spool
import Tensor

/// One lane's worker thread. It takes eligible files from the lane's drop folder oldest first,
/// claims each by rename into its instance's area `work/INSTANCE/` and processes it, then moves
/// it to `done/` or `failed/` (or back to the drop folder when the environment, not the file, is
/// at fault). It holds one directory listing of names at a time, so thousands of dropped files
/// cost a listing, not thousands of tasks. Between batches it sleeps until the watcher wakes it.
final class LaneWorker: @unchecked Sendable {
    let lane: Lane
    private let queue: SpoolQueue
    private let threads: Int
    private let retryDelay: Double
    private let logger: Logger
    private let process: (SpoolItem, LaneWorker) -> ItemOutcome
    private let discardPartialOutputs: (SpoolItem) -> Void
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var wakePending = true
    /// Items of this lane in the area are to be finished before new files: at start, and after
    /// an adoption moved some in.
    private var leftoversPending = true
    private var stopRequested = false
    private var lastBeat = DispatchTime.now().uptimeNanoseconds
    private var monitored = false
    private var current: String?
    private var queuedCount = 0
    private var finished = false
    private var thread: Thread?

    /// Items processed from one listing before listing again, so files that arrive during a
    /// flood are seen (and ordered) without waiting for the whole backlog.
    static let batchSize = 256

    /// Attempts at one item that may end the process before the item is given up as `crashed`:
    /// a second crash shows the item, not bad luck, is at fault, and a third would only repeat
    /// the crash loop that systemd's restarts turn it into.
    static let attemptsBeforeGivingUp = 2

    /// `discardPartialOutputs` removes what a crashed attempt may have written of an item's
    /// outputs, so an item given up as `crashed` leaves no partial set behind.
    init(lane: Lane, queue: SpoolQueue, threads: Int, retryDelay: Double, logger: Logger,
         discardPartialOutputs: @escaping (SpoolItem) -> Void = { _ in },
         process: @escaping (SpoolItem, LaneWorker) -> ItemOutcome) {
        self.lane = lane
        self.queue = queue
        self.threads = threads
        self.retryDelay = retryDelay
        self.logger = logger
        self.discardPartialOutputs = discardPartialOutputs
        self.process = process
    }

    /// Starts the thread; leftovers of this lane in the area are finished before new files.
    func start() {
        let thread = Thread { [self] in
            Parallelism.withThreadBudget(threads) { run() }
            condition.lock()
            finished = true
            condition.broadcast()
            condition.unlock()
        }
        thread.name = "ultrarefinerd-\(lane.rawValue)"
        // The default 512 KB of secondary threads is too little for the model code.
        thread.stackSize = 16 << 20
        self.thread = thread
        thread.start()
    }

    /// Something may have arrived (an inotify event, an overflow, a returned item).
    func wake() {
        condition.lock()
        wakePending = true
        condition.signal()
        condition.unlock()
    }

    /// Items were adopted into the area: finish them before the next new file.
    func finishLeftoversSoon() {
        condition.withLock { leftoversPending = true }
        wake()
    }

    /// Asks the lane to stop after the current item (a job is interrupted at its next step).
    func requestStop() {
        condition.lock()
        stopRequested = true
        condition.broadcast()
        condition.unlock()
    }

    var isStopRequested: Bool { condition.withLock { stopRequested } }

    /// Waits until the thread has finished.
    func join() {
        condition.lock()
        while !finished && thread != nil { condition.wait() }
        condition.unlock()
    }

    /// The lane is making progress (called between steps of an item).
    func beat() { condition.withLock { lastBeat = DispatchTime.now().uptimeNanoseconds } }

    /// True when the lane is idle, or busy and has beaten within `timeout`.
    func isHealthy(timeout: Double) -> Bool {
        condition.withLock {
            !monitored || Double(DispatchTime.now().uptimeNanoseconds - lastBeat) / 1e9 < timeout
        }
    }

    /// Turns watchdog supervision of the current item off (for a bounded step that cannot
    /// report progress) and back on.
    func setMonitored(_ on: Bool) {
        condition.withLock {
            monitored = on && current != nil
            lastBeat = DispatchTime.now().uptimeNanoseconds
        }
    }

    /// The item being processed and how many files wait, for `STATUS=`.
    var snapshot: (current: String?, queued: Int) { condition.withLock { (current, queuedCount) } }

    // MARK: - Thread body

    private func run() {
        finishLeftovers()
        while waitForWork() {
            finishLeftovers()
            let names: [String]
            do {
                names = try queue.pending(lane)
            } catch {
                logger.error("cannot list the \(lane.rawValue) drop folder: \(error)")
                pause(retryDelay)
                continue
            }
            condition.withLock { queuedCount = names.count }
            for name in names.prefix(Self.batchSize) {
                if isStopRequested { return }
                claimAndHandle(name)
                condition.withLock { queuedCount = max(0, queuedCount - 1) }
            }
            // More may remain than one batch: list again without waiting.
            if names.count > Self.batchSize { wake() }
        }
    }

    /// Finishes this lane's items in the area, when due: what an interrupted run left, or what
    /// was adopted from an expired instance.
    private func finishLeftovers() {
        guard condition.withLock({ () -> Bool in
            defer { leftoversPending = false }
            return leftoversPending
        }) else { return }
        do {
            for item in try queue.leftoverItems() where item.lane == lane {
                if isStopRequested { return }
                logger.notice("resuming \(item.droppedName) in work/\(item.instance)/ (left by an interrupted run, or adopted)",
                              metadata: ["item": "\(item.stem)"])
                handle(item)
            }
        } catch {
            logger.error("cannot list work/\(queue.instance)/: \(error)")
        }
    }

    /// Blocks until woken; false when the lane must stop.
    private func waitForWork() -> Bool {
        // Idle now: give the last items' peak memory back (a daemon idles far longer than it
        // computes). Not after every item, so a batch keeps reusing its warm heap.
        if condition.withLock({ !wakePending && !stopRequested }) { HeapRelease.trim() }
        condition.lock()
        defer { condition.unlock() }
        while !wakePending && !stopRequested {
            // A periodic rescan as a safety net; inotify (and its overflow event) is the main path.
            _ = condition.wait(until: Date().addingTimeInterval(60))
            if !wakePending && !stopRequested { wakePending = true }
        }
        wakePending = false
        return !stopRequested
    }

    /// Sleeps `seconds` unless stopped (wake-ups during the pause are kept for afterwards).
    private func pause(_ seconds: Double) {
        let deadline = Date().addingTimeInterval(seconds)
        condition.lock()
        while !stopRequested && Date() < deadline { _ = condition.wait(until: deadline) }
        condition.unlock()
    }

    private func claimAndHandle(_ name: String) {
        let result: ClaimResult
        do {
            result = try queue.claim(name, lane: lane)
        } catch {
            logger.error("cannot claim \(name): \(error)", metadata: ["item": "\(name)"])
            return
        }
        switch result {
        case .claimed(let item): handle(item)
        case .vanished, .busy: return
        case .refused(let reason):
            logger.warning("refused \(name): \(reason)", metadata: ["item": "\(name)", "stage": "claim"])
        }
    }

    private func handle(_ item: SpoolItem) {
        condition.withLock {
            current = item.droppedName
            monitored = true
            lastBeat = DispatchTime.now().uptimeNanoseconds
        }
        defer { condition.withLock { current = nil; monitored = false } }
        var metadata: Logger.Metadata = ["item": "\(item.stem)"]
        if lane == .training { metadata["job"] = "\(item.stem)" }
        let outcome = attempt(item, metadata: metadata)
        do {
            switch outcome {
            case .done:
                try queue.complete(item)
            case .failed(let stage, let error):
                metadata["stage"] = "\(stage)"
                logger.error("\(item.droppedName) failed in \(stage): \(error)", metadata: metadata)
                try queue.fail(item, stage: stage, error: error)
            case .postponed(let reason):
                logger.error("\(item.droppedName) put back into \(lane == .inference ? "inbox" : "jobs")/, retrying in \(Int(retryDelay)) s: \(reason)",
                             metadata: metadata)
                try queue.returnToDropFolder(item)
                pause(retryDelay)
                wake()
            case .interrupted:
                logger.notice("\(item.droppedName) interrupted by shutdown; it stays in work/\(item.instance)/ and resumes at the next start (or in another instance once the lease expires)",
                              metadata: metadata)
            }
        } catch {
            logger.critical("cannot move \(item.droppedName) out of work/\(item.instance)/ (it will be finished at the next start): \(error)",
                            metadata: metadata)
        }
    }

    /// Processes `item` unless earlier attempts at it ended the process too often. Each attempt
    /// is counted durably before it starts and uncounted when it ends cleanly, so whatever
    /// survives in the counter is the number of times the item took the daemon down.
    private func attempt(_ item: SpoolItem, metadata: Logger.Metadata) -> ItemOutcome {
        let earlier = queue.unfinishedAttempts(item)
        if earlier >= Self.attemptsBeforeGivingUp {
            discardPartialOutputs(item)
            return .failed(stage: "crashed", error: "processing \(item.droppedName) ended the daemon \(earlier) times "
                           + "(a crash, a kill or running out of memory); it is not tried again")
        }
        if earlier > 0 {
            logger.warning("\(item.droppedName): attempt \(earlier + 1) of \(Self.attemptsBeforeGivingUp); the last one ended the daemon",
                           metadata: metadata)
        }
        do {
            try queue.recordUnfinishedAttempts(item, earlier + 1)
        } catch {
            // Unprotected, a crashing item could loop forever; treat it like any disk fault.
            return .postponed(reason: "\(error)")
        }
        let outcome = process(item, self)
        if outcome == .interrupted {
            do { try queue.recordUnfinishedAttempts(item, earlier) } catch {
                logger.error("\(error); the interrupted attempt will count as a crash", metadata: metadata)
            }
        }
        return outcome
    }
}
