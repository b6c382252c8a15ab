import Foundation

/// Produces items `0..<count` on a background thread, at most `prefetch` ahead of the consumer,
/// and hands them out in order: training decodes and augments the next batches on one core
/// while the current batch's step runs on the others.
///
/// Item `i` is always the result of `produce(i)`, called once per index in increasing order, so
/// what the consumer sees never depends on timing. An error thrown by `produce(i)` is thrown by
/// the `next()` call that would have returned item `i` (and by every later call); nothing after
/// it is produced. `cancel()` or dropping the loader stops the thread: the item being produced
/// is finished, none is started after, and `cancel()` returns once the thread has left.
public final class BackgroundLoader<Item: Sendable>: Sendable {
    private let state: LoaderState<Item>

    /// Starts producing at once. `prefetch` (at least 1) bounds the items produced but not yet
    /// taken; `produce` runs on the loader's thread and must not wait for the consumer.
    public init(count: Int, prefetch: Int, produce: @escaping @Sendable (Int) throws -> Item) {
        precondition(count >= 0 && prefetch >= 1, "BackgroundLoader needs count >= 0 and prefetch >= 1")
        state = LoaderState(count: count, prefetch: prefetch)
        let state = self.state
        let thread = Thread { state.run(produce) }
        thread.name = "ultrarefiner.loader"
        thread.start()
    }

    /// The next item in index order, waiting for it if needed; nil once all `count` are taken.
    public func next() throws -> Item? { try state.take() }

    /// Stops producing and waits for the thread to end; `next()` then returns nil.
    public func cancel() { state.cancel() }

    deinit { state.cancel() }
}

/// What the loader's thread and its consumer share, guarded by one condition lock.
private final class LoaderState<Item: Sendable>: @unchecked Sendable {
    // Every stored property below is read and written only while `condition` is locked.
    private let condition = NSCondition()
    private let count: Int
    private let prefetch: Int
    private var ready: [Result<Item, any Error>] = []
    /// Items handed to the consumer.
    private var taken = 0
    private var failure: (any Error)?
    private var cancelled = false
    private var threadRunning = true

    init(count: Int, prefetch: Int) {
        self.count = count
        self.prefetch = prefetch
    }

    /// The thread's body: produce in order until done, failed or cancelled.
    func run(_ produce: (Int) throws -> Item) {
        var index = 0
        while true {
            condition.lock()
            while !cancelled && index < count && index >= taken + prefetch { condition.wait() }
            let stop = cancelled || index >= count
            condition.unlock()
            if stop { break }
            // Produced outside the lock, so the consumer can take earlier items meanwhile.
            let result = Result { try produce(index) }
            condition.lock()
            ready.append(result)
            condition.broadcast()
            condition.unlock()
            if case .failure = result { break }
            index += 1
        }
        condition.lock()
        threadRunning = false
        condition.broadcast()
        condition.unlock()
    }

    func take() throws -> Item? {
        condition.lock()
        defer { condition.unlock() }
        if let failure { throw failure }
        while ready.isEmpty && !cancelled && taken < count { condition.wait() }
        guard !ready.isEmpty else { return nil }
        taken += 1
        condition.broadcast()
        switch ready.removeFirst() {
        case .success(let item):
            return item
        case .failure(let error):
            failure = error
            throw error
        }
    }

    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        while threadRunning { condition.wait() }
        ready.removeAll()
        condition.unlock()
    }
}
