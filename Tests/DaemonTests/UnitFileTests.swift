import Foundation
import Testing
import TestSupport

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

@Test func exampleConfigNamesModelsSpoolAndLanes() throws {
    let text = try String(contentsOf: systemdFolder.appendingPathComponent("ultrarefinerd.toml"), encoding: .utf8)
    let tables = parseUnit(text)  // TOML tables and `key = value` lines share the INI shape
    let keys = tables.mapValues { Set($0.keys.map { $0.trimmingCharacters(in: .whitespaces) }) }
    #expect(keys["model"] == ["transunet", "sam", "preprocessing", "sam_normalization"])
    #expect(keys["spool"] == ["root"])
    #expect(keys["lanes"] == ["inference_threads", "training_threads", "max_pixels"])
}
