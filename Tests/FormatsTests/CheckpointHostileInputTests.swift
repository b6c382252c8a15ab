import Durable
@testable import Formats
import Foundation
import Testing
import TestSupport

/// Checkpoints crafted to crash the reader (found by tools/fuzz FuzzPTH): each must end in a
/// `FormatError` naming the file, never a trap, an endless recursion or a huge allocation.
struct CheckpointHostileInputTests {
    let scratch: ScratchFolder

    init() throws {
        scratch = try ScratchFolder("checkpoint-hostile")
    }

    /// An integer as LONG1 with 8 bytes, so any Int64 fits.
    private func long(_ value: Int64) -> [UInt8] {
        [0x8A, 8] + withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }

    private func tuple(_ values: [Int64]) -> [UInt8] {
        [0x28] + values.flatMap(long) + [0x74]
    }

    private func text(_ s: String) -> [UInt8] { [0x8C, UInt8(s.utf8.count)] + Array(s.utf8) }

    /// `{"w": _rebuild_tensor_v2(storage "0" of `storageCount` floats, offset, shape, stride)}`,
    /// plus `"self": <the dict itself>` when `selfReference`.
    private func tensorPickle(offset: Int64 = 0, shape: [Int64], stride: [Int64], storageCount: Int64,
                              selfReference: Bool = false) -> Data {
        var p: [UInt8] = [0x80, 0x02, 0x7D, 0x71, 0x00] + text("w")
        p += [0x63] + Array("torch._utils\n_rebuild_tensor_v2\n".utf8) + [0x28]
        p += [0x28] + text("storage") + [0x63] + Array("torch\nFloatStorage\n".utf8)
        p += text("0") + text("cpu") + long(storageCount) + [0x74, 0x51]
        p += long(offset) + tuple(shape) + tuple(stride) + [0x74, 0x52, 0x73]
        if selfReference { p += text("self") + [0x68, 0x00, 0x73] }
        return Data(p + [0x2E])
    }

    /// A torch.save-style archive holding `pickle` and a storage of 16 floats 0, 1, ... 15.
    private func checkpoint(_ pickle: Data, named name: String) throws -> URL {
        let storage = Data((0..<16).flatMap { withUnsafeBytes(of: Float($0).bitPattern.littleEndian) { Array($0) } })
        let url = scratch.file(name)
        try ZipMember.archive([("ckpt/data.pkl", pickle), ("ckpt/data/0", storage)], compressed: false, name: name)
            .write(to: url)
        return url
    }

    @Test func eightByteLengthsBeyondAnyPickleAreRefused() throws {
        for opcode: UInt8 in [0x8D, 0x8E] {  // BINUNICODE8, BINBYTES8
            var unpickler = Unpickler(Data([0x80, 0x02, opcode] + [UInt8](repeating: 0xFF, count: 8)), source: "long.pkl")
            let error = try #require(throws: FormatError.self) { try unpickler.load() }
            #expect(error.description.contains("long.pkl") && error.problem.contains("length"), "\(error)")
        }
    }

    @Test func dictContainingItselfIsRefusedInsteadOfRecursingForever() throws {
        let url = try checkpoint(tensorPickle(shape: [2], stride: [1], storageCount: 16, selfReference: true),
                                 named: "cycle.pth")
        expectFormatError(naming: url, mentioning: "contains itself") { try PyTorchCheckpoint.read(url) }
    }

    @Test func releasingContainersFreesDictsThatHoldThemselves() throws {
        var unpickler = Unpickler(tensorPickle(shape: [2], stride: [1], storageCount: 16, selfReference: true),
                                  source: "cycle.pkl")
        weak var dict: PickleDict?
        do {
            guard case .dict(let loaded) = try unpickler.load() else { Issue.record("expected a dict"); return }
            dict = loaded
            #expect(loaded.entries.count == 2)
        }
        #expect(dict != nil, "the cycle keeps the dict alive until released")
        unpickler.releaseContainers()
        #expect(dict == nil)
    }

    @Test func sizesWhoseProductOverflowsAreRefused() throws {
        let url = try checkpoint(tensorPickle(shape: [1 << 40, 1 << 40], stride: [0, 0], storageCount: 16),
                                 named: "huge.pth")
        expectFormatError(naming: url, mentioning: "more elements than its storage") { try PyTorchCheckpoint.read(url) }
    }

    @Test func zeroStrideViewsLargerThanTheirStorageAreRefused() throws {
        let url = try checkpoint(tensorPickle(shape: [1 << 30], stride: [0], storageCount: 16), named: "expand.pth")
        expectFormatError(naming: url, mentioning: "more elements than its storage") { try PyTorchCheckpoint.read(url) }
    }

    @Test func storageCountsWhoseByteSizeOverflowsAreRefused() throws {
        let url = try checkpoint(tensorPickle(shape: [2], stride: [1], storageCount: .max / 2), named: "count.pth")
        expectFormatError(naming: url, mentioning: "impossible") { try PyTorchCheckpoint.read(url) }
    }

    @Test func stridesReachingPastIntAreRefused() throws {
        let url = try checkpoint(tensorPickle(offset: 2, shape: [3, 2], stride: [.max / 2, 1], storageCount: 16),
                                 named: "reach.pth")
        expectFormatError(naming: url, mentioning: "outside its storage") { try PyTorchCheckpoint.read(url) }
    }

    @Test func anyStrideOnASizeOneAxisStillReadsTheRightElements() throws {
        // The stride of a size-1 axis never moves the view, however large (PyTorch allows any).
        let url = try checkpoint(tensorPickle(offset: 3, shape: [1, 2], stride: [.max / 2, 2], storageCount: 16),
                                 named: "unit.pth")
        #expect(try PyTorchCheckpoint.read(url).tensor("w", shape: [1, 2]).values == [3, 5])
    }

    @Test func zip64RecordOffsetBeyondTheFileIsRefusedNotTrapped() throws {
        // Found by fuzzing (Tests/Fixtures/hostile/README.md): it used to end the process with SIGILL.
        let url = TestPaths.fixtures.appendingPathComponent("hostile/pth-central-directory.pth")
        expectFormatError(naming: url, mentioning: "zip64 end-of-central-directory record lies outside the file") {
            try PyTorchCheckpoint.read(url)
        }
        // NPZ archives go through the same reader.
        let copy = scratch.file("central-directory.npz")
        try FileManager.default.copyItem(at: url, to: copy)
        expectFormatError(naming: copy, mentioning: "lies outside the file") { try NPZ.read(copy) }
    }
}
