import Foundation
import Logging

/// swift-log handler for the daemon: structured journald entries under systemd, `<N>`-prefixed
/// stderr lines otherwise. Metadata keys become `ULTRAREFINER_<KEY>` fields, so `item`, `stage`,
/// `job` and `dice` are queryable with `journalctl`.
public struct JournalLogHandler: LogHandler {
    /// The identifier journald files entries under (`journalctl -t`).
    public static let syslogIdentifier = "ultrarefinerd"

    /// Handler-wide metadata, merged under each call's metadata.
    public var metadata: Logger.Metadata = [:]
    /// Contextual metadata source (task-locals), applied between handler and call metadata.
    public var metadataProvider: Logger.MetadataProvider?
    /// Messages below this level are dropped by `Logger` before reaching the handler.
    public var logLevel: Logger.Level
    private let sink: any JournalSink

    /// A handler writing to `sink`; use `detectingJournald` in the daemon.
    public init(sink: any JournalSink, logLevel: Logger.Level = .info) {
        self.sink = sink
        self.logLevel = logLevel
    }

    /// journald when stderr is the journal stream (`JournalStream.isConnected`), stderr otherwise.
    public static func detectingJournald(logLevel: Logger.Level = .info,
                                         environment: [String: String] = ProcessInfo.processInfo.environment)
        -> JournalLogHandler {
        let sink: any JournalSink = JournalStream.isConnected(environment: environment) ? JournaldSink() : StderrSink()
        return JournalLogHandler(sink: sink, logLevel: logLevel)
    }

    /// Metadata lookup and update by key.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Converts the event into a `JournalRecord` and hands it to the sink.
    public func log(event: LogEvent) {
        sink.write(record(for: event))
    }

    /// The record an event becomes: priority, message, identifier, metadata fields sorted by
    /// key, then the code location journald shows with `-o verbose`.
    public func record(for event: LogEvent) -> JournalRecord {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let local = event.metadata { merged.merge(local) { $1 } }
        let metadataFields = merged.sorted { $0.key < $1.key }.map {
            (name: JournalRecord.fieldName(forMetadataKey: $0.key), value: $0.value.description)
        }
        let fields: [(name: String, value: String)] =
            [("SYSLOG_IDENTIFIER", Self.syslogIdentifier)] + metadataFields
            + [("CODE_FILE", event.file), ("CODE_LINE", String(event.line)), ("CODE_FUNC", event.function)]
        return JournalRecord(priority: JournalRecord.priority(for: event.level),
                             message: event.message.description, fields: fields)
    }
}
