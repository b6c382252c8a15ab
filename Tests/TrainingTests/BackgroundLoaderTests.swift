import Foundation
import Testing
import Training

/// A value shared between the producer thread and the test, behind a lock.
private final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func update<R>(_ body: (inout Value) -> R) -> R {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
    var current: Value { update { $0 } }
}

private struct Failed: Error, Equatable { let index: Int }

private func sleep(microseconds: Int) { usleep(useconds_t(microseconds)) }

@Test func itemsArriveInIndexOrderWhateverTheTiming() throws {
    let loader = BackgroundLoader(count: 60, prefetch: 3) { index in
        sleep(microseconds: Int.random(in: 0...2000))
        return index * index
    }
    var received: [Int] = []
    while let item = try loader.next() {
        received.append(item)
        sleep(microseconds: Int.random(in: 0...2000))
    }
    #expect(received == (0..<60).map { $0 * $0 })
    #expect(try loader.next() == nil)
}

@Test func aProducerErrorSurfacesAtItsIndexAndStopsProduction() throws {
    let highest = Locked(-1)
    let loader = BackgroundLoader(count: 20, prefetch: 4) { index in
        highest.update { $0 = max($0, index) }
        if index == 5 { throw Failed(index: index) }
        return index
    }
    for expected in 0..<5 { #expect(try loader.next() == expected) }
    #expect(throws: Failed(index: 5)) { try loader.next() }
    #expect(throws: Failed(index: 5)) { try loader.next() }
    sleep(microseconds: 20_000)
    #expect(highest.current == 5)
}

@Test func theProducerNeverRunsMoreThanPrefetchAhead() throws {
    let prefetch = 3
    // Calls of next() begun by the consumer, counted before each call.
    let requested = Locked(0)
    let lead = Locked(Int.min)
    let loader = BackgroundLoader(count: 40, prefetch: prefetch) { index in
        let ahead = index - requested.current
        lead.update { $0 = max($0, ahead) }
        return index
    }
    while true {
        requested.update { $0 += 1 }
        guard try loader.next() != nil else { break }
        sleep(microseconds: 2000)  // a slow consumer: the producer runs up against the bound
    }
    // While item j is consumed (j + 1 requested) the producer may hold j+1 … j+prefetch.
    #expect(lead.current == prefetch - 1)
}

@Test func droppingOrCancellingTheLoaderStopsItsThread() throws {
    let calls = Locked(0)
    var loader: BackgroundLoader<Int>? = BackgroundLoader(count: 1000, prefetch: 2) { index in
        calls.update { $0 += 1 }
        return index
    }
    #expect(try loader?.next() == 0)
    loader = nil
    let afterDrop = calls.current
    #expect(afterDrop <= 3)
    sleep(microseconds: 30_000)
    #expect(calls.current == afterDrop)

    let cancelled = BackgroundLoader(count: 1000, prefetch: 2) { $0 }
    #expect(try cancelled.next() == 0)
    cancelled.cancel()
    #expect(try cancelled.next() == nil)
}
