import Daemon
import Foundation
import Logging
import Synchronization
import Testing

/// Collects what a handler emits, so tests read it without touching the global LoggingSystem.
private final class CapturingSink: JournalSink {
    private let records = Mutex<[JournalRecord]>([])
    func write(_ record: JournalRecord) { records.withLock { $0.append(record) } }
    var captured: [JournalRecord] { records.withLock { $0 } }
}

private final class LineCollector: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var captured: [String] { lines.withLock { $0 } }
}

@Test func levelsMapToSyslogPriorities() {
    // sd-daemon(3): 7 debug, 6 info, 5 notice, 4 warning, 3 err, 2 crit.
    let expected: [(Logger.Level, Int)] = [
        (.trace, 7), (.debug, 7), (.info, 6), (.notice, 5), (.warning, 4), (.error, 3), (.critical, 2),
    ]
    let sink = CapturingSink()
    let logger = Logger(label: "test") { _ in JournalLogHandler(sink: sink, logLevel: .trace) }
    for (level, _) in expected { logger.log(level: level, "at \(level)") }
    #expect(sink.captured.map(\.priority) == expected.map(\.1))
    #expect(sink.captured.map { $0.field("PRIORITY") } == expected.map { String($0.1) })
}

@Test func metadataBecomesUltraRefinerFields() throws {
    let sink = CapturingSink()
    var logger = Logger(label: "test") { _ in JournalLogHandler(sink: sink) }
    logger[metadataKey: "job"] = "fold-3"
    logger.info("refined", metadata: ["item": "benign (1).png", "stage": "sam", "dice": "0.91"])
    let record = try #require(sink.captured.first)
    #expect(record.field("MESSAGE") == "refined")
    #expect(record.field("SYSLOG_IDENTIFIER") == "ultrarefinerd")
    #expect(record.field("ULTRAREFINER_ITEM") == "benign (1).png")
    #expect(record.field("ULTRAREFINER_STAGE") == "sam")
    #expect(record.field("ULTRAREFINER_JOB") == "fold-3")
    #expect(record.field("ULTRAREFINER_DICE") == "0.91")
}

@Test func callMetadataOverridesHandlerMetadata() throws {
    let sink = CapturingSink()
    var logger = Logger(label: "test") { _ in JournalLogHandler(sink: sink) }
    logger[metadataKey: "stage"] = "decode"
    logger.info("step", metadata: ["stage": "coarse"])
    #expect(sink.captured.first?.field("ULTRAREFINER_STAGE") == "coarse")
}

@Test func invalidCharactersInKeysAreReplaced() {
    #expect(JournalRecord.fieldName(forMetadataKey: "item") == "ULTRAREFINER_ITEM")
    #expect(JournalRecord.fieldName(forMetadataKey: "queue-depth.now") == "ULTRAREFINER_QUEUE_DEPTH_NOW")
    #expect(JournalRecord.fieldName(forMetadataKey: "\u{E9}preuve 2") == "ULTRAREFINER__PREUVE_2")
    #expect(JournalRecord.fieldName(forMetadataKey: String(repeating: "k", count: 100)).utf8.count == 64)
}

@Test func belowLevelMessagesAreDropped() {
    let sink = CapturingSink()
    let logger = Logger(label: "test") { _ in JournalLogHandler(sink: sink, logLevel: .warning) }
    logger.info("quiet")
    logger.error("loud")
    #expect(sink.captured.map(\.message) == ["loud"])
}

@Test func stderrLinesCarryThePriorityPrefixAndKeyValues() {
    let lines = LineCollector()
    var logger = Logger(label: "test") { _ in JournalLogHandler(sink: StderrSink(emit: lines.append)) }
    logger[metadataKey: "job"] = "j1"
    logger.warning("slow item", metadata: ["item": "a b.png", "stage": "sam"])
    #expect(lines.captured == [#"<4>slow item item="a b.png" job=j1 stage=sam"#])
}

@Test func newlineInAFileNameDoesNotSplitTheStderrRecord() throws {
    let lines = LineCollector()
    let logger = Logger(label: "test") { _ in JournalLogHandler(sink: StderrSink(emit: lines.append)) }
    logger.error("cannot decode evil\nname.png", metadata: ["item": "evil\nname.png"])
    let line = try #require(lines.captured.first)
    #expect(lines.captured.count == 1)
    #expect(!line.contains("\n"))
    #expect(line == #"<3>cannot decode evil\nname.png item=evil\nname.png"#)
}

@Test func journalStreamMatchesOnlyTheDescriptorsDeviceAndInode() throws {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("journal-\(UUID().uuidString)")
    try #require(FileManager.default.createFile(atPath: url.path, contents: nil))
    defer { try? FileManager.default.removeItem(at: url) }
    let descriptor = open(url.path, O_RDONLY)
    defer { close(descriptor) }
    var status = stat()
    try #require(fstat(descriptor, &status) == 0)
    let value = "\(status.st_dev):\(status.st_ino)"
    #expect(JournalStream.isConnected(descriptor: descriptor, environment: ["JOURNAL_STREAM": value]))
    #expect(!JournalStream.isConnected(descriptor: descriptor, environment: ["JOURNAL_STREAM": "\(status.st_dev):\(status.st_ino + 1)"]))
    #expect(!JournalStream.isConnected(descriptor: descriptor, environment: [:]))
    #expect(!JournalStream.matches("garbage", device: 1, inode: 2))
}
