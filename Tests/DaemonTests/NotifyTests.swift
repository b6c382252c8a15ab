import Daemon
import Foundation
import Testing
import TestSupport

@Test func notifierSendsEachMessageAsTheExactDatagram() throws {
    let receiver = try DatagramReceiver()
    let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": receiver.path])
    try notifier.ready()
    #expect(receiver.receive() == "READY=1")
    try notifier.ready(status: "idle, 0 queued")
    #expect(receiver.receive() == "READY=1\nSTATUS=idle, 0 queued")
    try notifier.status("processing benign (1).png\n3 queued")
    #expect(receiver.receive() == "STATUS=processing benign (1).png 3 queued")
    try notifier.watchdog()
    #expect(receiver.receive() == "WATCHDOG=1")
    try notifier.stopping()
    #expect(receiver.receive() == "STOPPING=1")
    #expect(receiver.receive() == nil)
}

@Test func reloadingCarriesTheCurrentMonotonicTime() throws {
    let receiver = try DatagramReceiver()
    let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": receiver.path])
    let before = SystemdNotifier.monotonicMicroseconds()
    try notifier.reloading()
    let after = SystemdNotifier.monotonicMicroseconds()
    let lines = try #require(receiver.receive()).split(separator: "\n")
    #expect(lines.count == 2)
    #expect(lines.first == "RELOADING=1")
    let stamp = try #require(lines.last.flatMap { UInt64($0.dropFirst("MONOTONIC_USEC=".count)) })
    #expect(lines.last?.hasPrefix("MONOTONIC_USEC=") == true)
    #expect(before <= stamp && stamp <= after)
}

@Test func notifierWithoutSocketIsANoOp() throws {
    let notifier = SystemdNotifier(environment: [:])
    #expect(notifier.address == nil)
    try notifier.ready(status: "nobody listens")
    try notifier.watchdog()
}

@Test func missingSocketPathIsAnErrorNamingTheSocket() throws {
    let path = try TestPaths.temporaryDirectory("notify").appendingPathComponent("absent.sock").path
    let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": path])
    let error = #expect(throws: NotifyError.self) { try notifier.ready() }
    #expect(error?.socket == path)
    #expect(error?.description.contains(path) == true)
    #expect(error?.problem.contains("No such file") == true)
}

@Test func abstractSocketNamesAreReachable() throws {
    let name = "ultrarefiner-test-\(UUID().uuidString)"
    let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
    defer { close(descriptor) }
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let bytes = [UInt8(0)] + Array(name.utf8)
    withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
    let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + bytes.count)
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
    }
    try #require(bound == 0)
    let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": "@" + name])
    #expect(notifier.address == .abstract(name))
    try notifier.watchdog()
    var buffer = [UInt8](repeating: 0, count: 64)
    let count = recv(descriptor, &buffer, buffer.count, Int32(MSG_DONTWAIT))
    #expect(count > 0 && String(decoding: buffer[..<max(count, 0)], as: UTF8.self) == "WATCHDOG=1")
}

@Test func watchdogIntervalIsHalfTheTimeoutForThisProcessOnly() {
    let mine = SystemdNotifier(environment: ["WATCHDOG_USEC": "60000000", "WATCHDOG_PID": "42"], pid: 42)
    #expect(mine.watchdogTimeout == .seconds(60))
    #expect(mine.watchdogInterval == .seconds(30))
    let unowned = SystemdNotifier(environment: ["WATCHDOG_USEC": "60000000"], pid: 42)
    #expect(unowned.watchdogInterval == .seconds(30))
    let other = SystemdNotifier(environment: ["WATCHDOG_USEC": "60000000", "WATCHDOG_PID": "7"], pid: 42)
    #expect(other.watchdogInterval == nil)
    #expect(SystemdNotifier(environment: ["WATCHDOG_USEC": "0"]).watchdogInterval == nil)
    #expect(SystemdNotifier(environment: ["WATCHDOG_USEC": "soon"]).watchdogInterval == nil)
}
