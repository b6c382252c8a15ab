import CSystemd
import Foundation

/// Where a `JournalLogHandler` delivers records; injectable so tests capture them.
public protocol JournalSink: Sendable {
    /// Delivers one record; must not throw or trap, logging is best-effort.
    func write(_ record: JournalRecord)
}

/// Sends records to journald through `sd_journal_sendv`, keeping fields structured so
/// `journalctl ULTRAREFINER_JOB=...` finds them.
public struct JournaldSink: JournalSink {
    /// Creates the sink; journald needs no connection set-up.
    public init() {}

    /// Sends all fields of `record` as one journal entry.
    public func write(_ record: JournalRecord) {
        let entries = record.journalFields.map { Array("\($0.name)=\($0.value)".utf8) }
        let buffers = entries.map { bytes -> UnsafeMutableRawBufferPointer in
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
            buffer.copyBytes(from: bytes)
            return buffer
        }
        defer { buffers.forEach { $0.deallocate() } }
        var vectors = zip(buffers, entries).map { iovec(iov_base: $0.baseAddress, iov_len: $1.count) }
        // Best-effort by design: libsystemd itself reports success when journald is absent.
        _ = sd_journal_sendv(&vectors, Int32(vectors.count))
    }
}

/// Writes `<N>`-prefixed lines (`StderrLine`) to a line consumer, stderr by default.
public struct StderrSink: JournalSink {
    private let emit: @Sendable (String) -> Void

    /// Writes to standard error; `emit` receives each line without its newline (tests capture it).
    public init(emit: @escaping @Sendable (String) -> Void = { line in
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }) {
        self.emit = emit
    }

    /// Formats and emits one line.
    public func write(_ record: JournalRecord) {
        emit(StderrLine.format(record))
    }
}
