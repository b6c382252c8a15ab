import Formats
import Foundation
import TestSupport
import Testing

/// Event files read back by `EventFileDecoder` (TestSupport), written from the TFRecord and
/// protobuf specs apart from the writer (bitwise CRC-32C, its own varint parser), so a mistake
/// shared with the writer's code cannot hide.
struct TensorBoardEventTests {
    private let scratch: ScratchFolder

    init() throws {
        scratch = try ScratchFolder("tensorboard")
    }

    @Test func decoderChecksumMatchesTheKnownAnswer() {
        #expect(EventFileDecoder.crc32c(Array("123456789".utf8)) == 0xE306_9283)
    }

    @Test func scalarsRoundTripWithFramingVersionStepsAndWallTimes() throws {
        // The clock steps back once (as NTP may); recorded wall times must not.
        var times = [1_700_000_000.25, 1_700_000_001.5, 1_700_000_000.75, 1_700_000_003.0]
        let writer = try TensorBoardEventWriter(directory: scratch.file("runs/a")) { times.removeFirst() }
        try writer.add("loss", 0.1, step: 1)
        try writer.add([("lr", 0.01), ("val/dice", 2.0 / 3.0)], step: 2)
        try writer.add("loss", 1e-3, step: -1)
        try writer.flush()

        #expect(writer.file.deletingLastPathComponent().path == scratch.file("runs/a").path)
        #expect(writer.file.lastPathComponent.hasPrefix("events.out.tfevents.1700000000."))
        let events = try EventFileDecoder.events(at: writer.file)
        #expect(events.count == 4)
        #expect(events[0].fileVersion == "brain.Event:2" && events[0].step == 0 && events[0].values.isEmpty)
        #expect(events.map(\.step) == [0, 1, 2, -1])
        #expect(events[1].values.map(\.tag) == ["loss"] && events[1].values[0].value == Float(0.1))
        #expect(events[2].values.map(\.tag) == ["lr", "val/dice"])
        #expect(events[2].values.map(\.value) == [Float(0.01), Float(2.0 / 3.0)])
        #expect(events[3].values[0].value == Float(1e-3))
        #expect(events.map(\.wallTime) == [1_700_000_000.25, 1_700_000_001.5, 1_700_000_001.5, 1_700_000_003.0])
        #expect(events.dropFirst().allSatisfy { $0.fileVersion == nil })
    }

    @Test func aTruncatedOrAlteredRecordIsDetected() throws {
        let writer = try TensorBoardEventWriter(directory: scratch.url) { 1_700_000_000 }
        try writer.add("loss", 0.5, step: 1)
        try writer.add("loss", 0.25, step: 2)
        let bytes = try Array(Data(contentsOf: writer.file))
        #expect(try EventFileDecoder.events(bytes).count == 3)

        #expect(throws: EventFileDecoder.Failure.truncated) { try EventFileDecoder.events(Array(bytes.dropLast(3))) }
        var altered = bytes
        altered[altered.count - 6] ^= 0x01  // inside the last value's data
        #expect(throws: EventFileDecoder.Failure.dataChecksum) { try EventFileDecoder.events(altered) }
        altered = bytes
        altered[0] ^= 0x01  // the first record's length
        #expect(throws: EventFileDecoder.Failure.lengthChecksum) { try EventFileDecoder.events(altered) }
    }

    @Test func writersStartedInTheSameSecondGetTheirOwnFiles() throws {
        let first = try TensorBoardEventWriter(directory: scratch.url) { 1_700_000_000 }
        let second = try TensorBoardEventWriter(directory: scratch.url) { 1_700_000_000.5 }
        try first.add("a", 1, step: 1)
        try second.add("b", 2, step: 1)
        #expect(first.file != second.file)
        #expect(try EventFileDecoder.events(at: first.file).last?.values.first?.tag == "a")
        #expect(try EventFileDecoder.events(at: second.file).last?.values.first?.tag == "b")
    }

    @Test func aFolderThatCannotBeMadeIsNamedInTheError() throws {
        let blocker = scratch.file("not-a-folder")
        try Data("x".utf8).write(to: blocker)
        expectFormatError(naming: blocker) { try TensorBoardEventWriter(directory: blocker) }
    }
}
