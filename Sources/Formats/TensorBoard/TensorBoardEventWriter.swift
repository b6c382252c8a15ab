import Durable
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Scalar summaries in a TensorBoard event file (`events.out.tfevents.<unix seconds>.<host>`),
/// which `tensorboard --logdir` opens: TFRecord-framed protobuf `Event`s, encoded here without a
/// protobuf library.
///
/// Every record reaches the file in a single `write`, so a killed process leaves whole records
/// plus at most one torn tail, which TensorBoard skips; `flush()` fsyncs, bounding what a power
/// loss can take. One owner writes at a time (the type is deliberately not `Sendable`).
public final class TensorBoardEventWriter {
    /// The event file, named when the writer was created.
    public let file: URL
    private let descriptor: Int32
    private let wallClock: () -> Double
    private var lastWallTime: Double

    /// Creates a new event file in `directory` (made if missing) and writes its version record.
    /// `wallClock` gives seconds since 1970, for the file name and each event's `wall_time`.
    public init(directory: URL, wallClock: @escaping () -> Double = { Date().timeIntervalSince1970 }) throws {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw FormatError(directory, "cannot create folder for event files: \(error.localizedDescription)")
        }
        let now = wallClock()
        let base = "events.out.tfevents.\(Int64(now.rounded(.down))).\(Self.hostName())"
        // Two writers started in the same second in one folder must not share (or truncate) a file.
        func create(_ name: String) -> Int32 {
            open(directory.appendingPathComponent(name).path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0o644)
        }
        var name = base
        var fd = create(name)
        var suffix = 0
        while fd < 0 && errno == EEXIST {
            suffix += 1
            name = "\(base).\(suffix)"
            fd = create(name)
        }
        file = directory.appendingPathComponent(name)
        guard fd >= 0 else { throw FormatError(file, "cannot create event file: \(String(cString: strerror(errno)))") }
        descriptor = fd
        self.wallClock = wallClock
        lastWallTime = now

        var event = ProtobufEncoder()
        event.double(EventField.wallTime, now)
        event.int64(EventField.step, 0)
        event.string(EventField.fileVersion, "brain.Event:2")
        try append(event.bytes)
        try flush()
        try AtomicFile.syncDirectory(directory)
    }

    deinit { close(descriptor) }

    /// Writes one scalar at `step`.
    public func add(_ tag: String, _ value: Double, step: Int) throws {
        try add([(tag, value)], step: step)
    }

    /// Writes the scalars as one event at `step`; values are stored as float32, as TensorBoard's
    /// `simple_value` is. Nothing is written for an empty list.
    public func add(_ scalars: [(tag: String, value: Double)], step: Int) throws {
        guard !scalars.isEmpty else { return }
        var summary = ProtobufEncoder()
        for (tag, value) in scalars {
            var entry = ProtobufEncoder()
            entry.string(SummaryValueField.tag, tag)
            entry.float(SummaryValueField.simpleValue, Float(value))
            summary.message(SummaryField.value, entry.bytes)
        }
        // A clock stepped back (NTP) would make TensorBoard's relative-time axis run backwards.
        lastWallTime = max(lastWallTime, wallClock())
        var event = ProtobufEncoder()
        event.double(EventField.wallTime, lastWallTime)
        event.int64(EventField.step, Int64(step))
        event.message(EventField.summary, summary.bytes)
        try append(event.bytes)
    }

    /// fsyncs the file, so everything added so far survives a crash of the machine.
    public func flush() throws {
        guard fsync(descriptor) == 0 else {
            throw FormatError(file, "cannot fsync: \(String(cString: strerror(errno)))")
        }
    }

    /// Frames `data` as a TFRecord (length, masked CRC of the length, data, masked CRC of the
    /// data) and appends the whole record with one write.
    private func append(_ data: [UInt8]) throws {
        var record: [UInt8] = []
        record.reserveCapacity(data.count + 16)
        withUnsafeBytes(of: UInt64(data.count).littleEndian) { record.append(contentsOf: $0) }
        withUnsafeBytes(of: CRC32C.masked(record).littleEndian) { record.append(contentsOf: $0) }
        record.append(contentsOf: data)
        withUnsafeBytes(of: CRC32C.masked(data).littleEndian) { record.append(contentsOf: $0) }
        try record.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw FormatError(file, "cannot write event: \(String(cString: strerror(errno)))")
                }
                offset += written
            }
        }
    }

    /// The machine's name as TensorBoard's own writers put it in file names, with any `/`
    /// replaced so it stays one path component.
    private static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "localhost" : name.replacingOccurrences(of: "/", with: "_")
    }

    /// Field numbers of tensorflow/core/util/event.proto and summary.proto.
    private enum EventField {
        static let wallTime = 1, step = 2, fileVersion = 3, summary = 5
    }

    private enum SummaryField {
        static let value = 1
    }

    private enum SummaryValueField {
        static let tag = 1, simpleValue = 2
    }
}
