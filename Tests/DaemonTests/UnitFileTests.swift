import Foundation
import Testing
import TestSupport
import Daemon

/// The `[Section]` → key → values of a systemd unit file (keys may repeat).
private func parseUnit(_ text: String) -> [String: [String: [String]]] {
    var sections: [String: [String: [String]]] = [:]
    var current = ""
    for raw in text.split(separator: "\n") {
        let line = raw.trimmingCharacters(in: .whitespaces)
        if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
        if line.hasPrefix("[") && line.hasSuffix("]") {
            current = String(line.dropFirst().dropLast())
            continue
        }
        guard let equals = line.firstIndex(of: "=") else { continue }
        let key = String(line[..<equals]), value = String(line[line.index(after: equals)...])
        sections[current, default: [:]][key, default: []].append(value)
    }
    return sections
}

private let systemdFolder = TestPaths.repositoryRoot.appendingPathComponent("systemd")

@Test func serviceUnitHasTheDirectivesIssue7Requires() throws {
    let text = try String(contentsOf: systemdFolder.appendingPathComponent("ultrarefinerd.service"), encoding: .utf8)
    let service = try #require(parseUnit(text)["Service"])
    let required: [String: String] = [
        "Type": "notify", "ExecReload": "/bin/kill -HUP $MAINPID", "WatchdogSec": "60",
        "Restart": "on-failure", "DynamicUser": "yes", "StateDirectory": "ultrarefiner",
        "ProtectSystem": "strict", "NoNewPrivileges": "yes", "PrivateTmp": "yes",
        "ProtectHome": "yes", "RestrictAddressFamilies": "AF_UNIX", "MemoryMax": "8G",
        // Issue 16: no network, devices, W+X memory or privileged system calls.
        "PrivateNetwork": "yes", "IPAddressDeny": "any", "PrivateDevices": "yes", "MemoryDenyWriteExecute": "yes",
        "CapabilityBoundingSet": "", "SystemCallArchitectures": "native", "UMask": "0027",
        "RestartPreventExitStatus": "\(DaemonRuntime.configurationErrorStatus)",
    ]
    for (key, value) in required {
        #expect(service[key] == [value], "\(key)= should be \(value)")
    }
    let start = try #require(service["ExecStart"]?.first)
    #expect(start.hasPrefix("/usr/local/bin/ultrarefinerd "))
    #expect(start.contains("--spool ${STATE_DIRECTORY}/spool"))
    #expect(service["TimeoutStopSec"]?.first.flatMap { Int($0) } != nil)
}

@Test func tmpfilesCreatesEverySpoolFolder() throws {
    let text = try String(contentsOf: systemdFolder.appendingPathComponent("ultrarefinerd.conf"), encoding: .utf8)
    let created = Set(text.split(separator: "\n").filter { $0.hasPrefix("d ") }
        .map { String($0.split(separator: " ", omittingEmptySubsequences: true)[1]) })
    let spool = "/var/lib/ultrarefiner/spool"
    for folder in ["inbox", "jobs", "work", "done", "failed", "out/masks", "out/refined",
                   "out/predictions", "out/logs", "out/jobs"] {
        #expect(created.contains("\(spool)/\(folder)"), "tmpfiles.d misses \(folder)")
    }
}

@Test func exampleConfigIsAValidDaemonConfig() throws {
    let url = systemdFolder.appendingPathComponent("ultrarefinerd.toml")
    let config = try DaemonConfig.parse(try String(contentsOf: url, encoding: .utf8), path: url.path)
    #expect(config.modelsRoot == "/var/lib/ultrarefiner/models")
    #expect(config.modelName == "default")
    #expect(config.transunet == nil && config.sam == nil, "the example runs the shipped model unchanged")
    #expect(config.spoolRoot == "/var/lib/ultrarefiner/spool")
    #expect(config.maxPixels == 16_000_000)
    #expect(config.leaseSeconds == 60)
}

private let systemdAnalyze = URL(fileURLWithPath: "/usr/bin/systemd-analyze")

/// Runs `systemd-analyze ARGUMENTS`; its exit status and everything it printed.
private func systemdAnalyze(_ arguments: [String]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = systemdAnalyze
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    try process.run()
    let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (process.terminationStatus, printed)
}

@Test(.enabled(if: FileManager.default.isExecutableFile(atPath: systemdAnalyze.path), "needs systemd-analyze (Debian package systemd)"))
func serviceUnitPassesSystemdAnalyzeVerify() throws {
    // verify also checks that ExecStart's binary exists, so the copy points at the one just built.
    let text = try String(contentsOf: systemdFolder.appendingPathComponent("ultrarefinerd.service"), encoding: .utf8)
        .replacingOccurrences(of: "/usr/local/bin/ultrarefinerd", with: DaemonProcess.executable.path)
    let folder = try TestPaths.temporaryDirectory("unit")
    let unit = folder.appendingPathComponent("ultrarefinerd.service")
    try text.write(to: unit, atomically: true, encoding: .utf8)
    let (status, printed) = try systemdAnalyze(["verify", unit.path])
    #expect(status == 0 && printed.isEmpty, "systemd-analyze verify: \(printed)")
}

@Test(.enabled(if: FileManager.default.isExecutableFile(atPath: systemdAnalyze.path), "needs systemd-analyze (Debian package systemd)"))
func serviceUnitIsRatedSafeBySystemdAnalyzeSecurity() throws {
    // The threshold is ten times the rating: the command fails when the unit rates above 2.0.
    let unit = systemdFolder.appendingPathComponent("ultrarefinerd.service")
    let (status, printed) = try systemdAnalyze(["security", "--offline=true", "--threshold=20", unit.path])
    let overall = printed.split(separator: "\n").first { $0.contains("Overall exposure level") } ?? "no rating printed"
    #expect(status == 0, "\(overall)\n\(printed)")
}
