import Daemon
import Datasets
import Formats
import Foundation
import Imaging
import SegmentAnything
import Spool
import TestSupport
import Testing
import TransUNetModel

/// The tests that run the real daemon binary, one at a time: several daemons at once on two
/// cores would only make their timeouts flaky.
@Suite(.serialized) enum DaemonProcessTests {}

/// Weights for daemon tests, made here so the tests need neither ../shared nor downloads: a
/// randomly initialised cpu-tiny TransUNet and a tiny SAM at 256², written the way users' files
/// are (safetensors with the config in the metadata). Random weights make arbitrary masks, but
/// every stage of the real chain runs.
enum TestWeights {
    struct Files: Sendable {
        let transunet: URL
        let sam: URL
    }

    static let files: Files = {
        let folder = try! TestPaths.temporaryDirectory("weights")
        let transunet = folder.appendingPathComponent("transunet.safetensors")
        let sam = folder.appendingPathComponent("sam.safetensors")
        try! TransUNet(.cpuTiny, seed: 7).save(to: transunet)
        var config = SAMConfig.tiny
        config.imageSize = 256
        try! SAM(config: config, seed: 11).save(to: sam)
        return Files(transunet: transunet, sam: sam)
    }()

    /// A synthetic ultrasound frame (phantom `index`) as PNG bytes.
    static func phantomPNG(_ index: Int, width: Int = 96, height: Int = 80) throws -> Data {
        try PNG.encode(PhantomGenerator(width: width, height: height, seed: 3).phantom(index: index).image)
    }
}

/// The `ultrarefinerd` binary built beside the test bundle, run as users run it.
final class DaemonProcess: @unchecked Sendable {
    let process = Process()
    let stderrFile: URL
    let spool: URL

    /// The executable built with the tests (same folder as the running test binary).
    static var executable: URL {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("ultrarefinerd")
    }

    /// Starts the daemon on `spool` with the test weights (unless `arguments` replace them).
    init(spool: URL, arguments: [String]? = nil, environment: [String: String] = [:], retryDelay: Double = 0.5) throws {
        self.spool = spool
        // Not inside the spool's file system, which a test may fill up.
        stderrFile = FileManager.default.temporaryDirectory.appendingPathComponent("ultrarefinerd-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: stderrFile.path, contents: nil)
        process.executableURL = Self.executable
        process.arguments = arguments ?? [
            "--spool", spool.path, "--transunet", TestWeights.files.transunet.path, "--sam", TestWeights.files.sam.path,
            "--retry-delay", String(retryDelay),
        ]
        var env = ProcessInfo.processInfo.environment
        for key in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "JOURNAL_STREAM"] { env[key] = nil }
        env["ULTRAREFINER_THREADS"] = "1"
        env.merge(environment) { $1 }
        process.environment = env
        process.standardError = try FileHandle(forWritingTo: stderrFile)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
    }

    var log: String { (try? String(contentsOf: stderrFile, encoding: .utf8)) ?? "" }

    func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// Waits for exit and returns the status (nil if it did not exit within `timeout`).
    func waitForExit(timeout: Double = 30) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// SIGTERM and wait; SIGKILL if it does not stop.
    func stop() -> Int32? {
        guard process.isRunning else { return process.terminationStatus }
        signal(SIGTERM)
        if let status = waitForExit() { return status }
        signal(SIGKILL)
        _ = waitForExit()
        return nil
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
}

/// Polls `condition` every 50 ms for up to `timeout` seconds.
func eventually(timeout: Double = 60, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        usleep(50_000)
    }
    return condition()
}

/// Names of the visible files in a folder, sorted.
func files(in folder: URL) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
}

/// Every name in a folder, dotfiles included (temporaries must never be left behind).
func allEntries(in folder: URL) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
}

/// The claimed files in every instance's area (leases aside), as `INSTANCE/NAME`.
func claimedFiles(_ layout: SpoolLayout) -> [String] {
    files(in: layout.work).flatMap { area in
        files(in: layout.workArea(area)).filter { $0 != SpoolLease.fileName }.map { "\(area)/\($0)" }
    }
}

/// Drops a file into a drop folder the way users should: written elsewhere, renamed in.
@discardableResult
func drop(_ data: Data, as name: String, into folder: URL) throws -> URL {
    try SpoolSubmission.placeWithoutReplacing(data, named: name, in: folder)
}
