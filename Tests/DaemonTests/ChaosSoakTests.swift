import Foundation
import Testing
import TestSupport

/// The short version of `tools/chaos/run.sh` (the soak run by hand to a thousand kills): a few
/// SIGKILLs while good and hostile files arrive by rename, slow writes and re-drops, then the
/// script's own audit of every input.
extension DaemonProcessTests {
@Suite struct ChaosSoakTests {
    @Test func aShortChaosSoakLosesDuplicatesAndCorruptsNothing() throws {
        let script = TestPaths.repositoryRoot.appendingPathComponent("tools/chaos/run.sh")
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("chaos-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: output) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script.path, "4", "11"]
        var env = ProcessInfo.processInfo.environment
        env["CHAOS_BIN"] = DaemonProcess.executable.deletingLastPathComponent().path
        env["TRANSUNET"] = TestWeights.files.transunet.path
        env["SAM"] = TestWeights.files.sam.path
        process.environment = env
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        process.waitUntilExit()
        let log = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        #expect(process.terminationStatus == 0, "\(log)")
        #expect(log.contains("chaos: 4 SIGKILLs"))
        #expect(log.contains("lost 0, double-completed 0, corrupt 0, outputs without input 0, stray temporaries 0"), "\(log)")
        #expect(!log.contains("inputs dropped 0 "), "the feeder dropped nothing: \(log)")
    }
}
}
