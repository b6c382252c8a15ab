import Durable
@testable import Formats
import Foundation
import TestSupport
import Testing
import ZIPFoundation

/// `.pth` and safetensors reading, against files written by `torch.save` (tools/make_checkpoint_fixtures.py).
struct CheckpointTests {
    let folder = TestPaths.fixtures.appendingPathComponent("checkpoints")

    /// The values tools/make_checkpoint_fixtures.py puts in its base state dict.
    func expectBaseStateDict(_ sd: StateDict) throws {
        #expect(sd.keys == ["conv.weight", "conv.bias", "bn.running_mean", "bn.num_batches_tracked", "scalar"])
        let w = try sd.tensor("conv.weight", shape: [2, 3, 3, 3])
        let expected: [Float] = (0..<54).map { Float($0) * 0.5 - 10 }
        #expect(w.values == expected)
        #expect(try sd.tensor("conv.bias", shape: [2]).values == [0.25, -0.75])
        #expect(try sd.tensor("bn.running_mean", shape: [4]).values == [0, 0.125, 0.25, 0.375])
        let steps = try sd.tensor("bn.num_batches_tracked", shape: [])
        #expect(steps.dtype == .int64 && steps.values == [1234])
        #expect(try sd.tensor("scalar", shape: []).values == [3.5])
    }

    @Test func plainStateDictLoadsInOrderWithValues() throws {
        try expectBaseStateDict(try PyTorchCheckpoint.read(folder.appendingPathComponent("plain.pth")))
    }

    @Test func halfAndBFloat16StoragesConvertToFloat() throws {
        let sd = try PyTorchCheckpoint.read(folder.appendingPathComponent("lowprec.pth"))
        let half = try sd.tensor("half", shape: [2, 3])
        #expect(half.dtype == .float16)
        let halfExpected: [Float] = (0..<6).map { Float($0) / 4 - 0.5 }  // exactly representable in fp16
        #expect(half.values == halfExpected)
        let bf = try sd.tensor("bf16", shape: [3, 2])
        #expect(bf.dtype == .bfloat16)
        let bfExpected: [Float] = (0..<6).map { Float($0) * 1.5 - 3 }
        #expect(bf.values == bfExpected)
    }

    @Test func stridedAndOffsetViewsAreMaterialised() throws {
        let sd = try PyTorchCheckpoint.read(folder.appendingPathComponent("views.pth"))
        let w = (0..<24).map(Float.init)
        #expect(try sd.tensor("w", shape: [4, 6]).values == w)
        #expect(try sd.tensor("tied", shape: [4, 6]).values == w)
        let wt = try sd.tensor("wt", shape: [6, 4]).values
        let transposed: [Float] = (0..<24).map { (i: Int) -> Float in w[(i % 4) * 6 + i / 4] }
        #expect(wt == transposed)
        #expect(try sd.tensor("slice", shape: [2, 3]).values == [8, 9, 10, 14, 15, 16])
    }

    @Test func nestedCheckpointSelectsTheModelDict() throws {
        let url = folder.appendingPathComponent("nested.pth")
        try expectBaseStateDict(try PyTorchCheckpoint.read(url))
        try expectBaseStateDict(try PyTorchCheckpoint.read(url, prefix: "model"))
        #expect(throws: FormatError.self) { try PyTorchCheckpoint.read(url, prefix: "ema") }
    }

    @Test func legacyFormatIsRefusedWithAnExplanation() throws {
        let url = folder.appendingPathComponent("legacy.pth")
        let error = try #require(throws: FormatError.self) { try PyTorchCheckpoint.read(url) }
        #expect(error.description.contains("legacy.pth") && error.description.contains("legacy"))
    }

    @Test func truncatedCheckpointNamesTheFile() throws {
        let data = try Data(contentsOf: folder.appendingPathComponent("plain.pth"))
        let dir = try TestPaths.temporaryDirectory("pth")
        defer { try? FileManager.default.removeItem(at: dir) }
        for cut in [0, 3, 100, data.count / 2, data.count - 30] {
            let url = dir.appendingPathComponent("cut_\(cut).pth")
            try data.prefix(cut).write(to: url)
            let error = try #require(throws: FormatError.self) { try PyTorchCheckpoint.read(url) }
            #expect(error.description.contains("cut_\(cut).pth"))
        }
    }

    @Test func corruptedStorageBytesFailTheChecksum() throws {
        var data = try Data(contentsOf: folder.appendingPathComponent("plain.pth"))
        // conv.weight[0] is -10.0: little-endian 00 00 20 C1 inside the stored data/0 record.
        let needle = Data([0x00, 0x00, 0x20, 0xC1])
        let at = try #require(data.range(of: needle)).lowerBound
        data[at + 3] ^= 0x01
        let dir = try TestPaths.temporaryDirectory("pth")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("flipped.pth")
        try data.write(to: url)
        let error = try #require(throws: FormatError.self) { try PyTorchCheckpoint.read(url) }
        #expect(error.description.contains("flipped.pth") && error.description.contains("CRC"))
    }

    @Test func garbageAndMissingFilesGiveClearErrors() throws {
        let dir = try TestPaths.temporaryDirectory("pth")
        defer { try? FileManager.default.removeItem(at: dir) }
        let text = dir.appendingPathComponent("notes.pth")
        try Data("not a checkpoint at all".utf8).write(to: text)
        let e1 = try #require(throws: FormatError.self) { try PyTorchCheckpoint.read(text) }
        #expect(e1.description.contains("notes.pth") && e1.description.contains("zip"))
        let missing = dir.appendingPathComponent("absent.pth")
        let e2 = try #require(throws: FormatError.self) { try PyTorchCheckpoint.read(missing) }
        #expect(e2.description.contains("absent.pth"))
    }

    @Test func unknownPickleOpcodeIsRejectedNotExecuted() throws {
        // PROTO 2, then opcode 'i' (INST, which would instantiate a class), which we never support.
        var unpickler = Unpickler(Data([0x80, 0x02, 0x69, 0x6F, 0x73, 0x0A]), source: "evil.pkl")
        let error = try #require(throws: FormatError.self) { try unpickler.load() }
        #expect(error.description.contains("evil.pkl") && error.description.contains("opcode"))
    }

    @Test func unknownClassesStayInertOpaqueValues() throws {
        // GLOBAL os.system, ('echo',) REDUCE, STOP: must yield an opaque value, not run anything.
        var bytes: [UInt8] = [0x80, 0x02, 0x63]
        bytes += Array("os\nsystem\n".utf8)
        bytes += [0x58, 4, 0, 0, 0] + Array("echo".utf8) + [0x85, 0x52, 0x2E]
        var unpickler = Unpickler(Data(bytes), source: "x.pkl")
        let value = try unpickler.load()
        guard case .opaque(let name) = value else { Issue.record("expected opaque, got \(value.typeName)"); return }
        #expect(name == "os.system")
    }

    @Test func stateDictReportsMissingUnexpectedAndShapeMismatch() throws {
        let sd = try PyTorchCheckpoint.read(folder.appendingPathComponent("plain.pth"))
        let keys = try #require(throws: FormatError.self) {
            try sd.requireKeys(["conv.weight", "conv.bias", "bn.running_mean", "bn.num_batches_tracked", "fc.weight"])
        }
        #expect(keys.description.contains("missing keys: fc.weight"))
        #expect(keys.description.contains("unexpected keys: scalar"))
        let shape = try #require(throws: FormatError.self) { try sd.tensor("conv.bias", shape: [3]) }
        #expect(shape.description.contains("conv.bias") && shape.description.contains("(2)") && shape.description.contains("(3)"))
    }

    @Test func safetensorsRoundTripKeepsOrderDtypesAndMetadata() throws {
        let sd = try PyTorchCheckpoint.read(folder.appendingPathComponent("plain.pth"))
        let dir = try TestPaths.temporaryDirectory("st")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("model.safetensors")
        try Safetensors.write(sd, metadata: ["config": "{\"depth\":2}"], to: url)
        let (back, meta) = try Safetensors.read(url)
        #expect(meta == ["config": "{\"depth\":2}"])
        #expect(back.keys == sd.keys)
        for key in sd.keys { #expect(back[key]?.values == sd[key]?.values && back[key]?.shape == sd[key]?.shape) }
        #expect(back["bn.num_batches_tracked"]?.dtype == .int64)
        // The data section starts 8-byte aligned.
        let raw = try Data(contentsOf: url)
        let headerLength = raw.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
        #expect((8 + headerLength) % 8 == 0)
    }

    @Test func writtenCheckpointsReadBackWithTheirKeysShapesAndTypes() throws {
        let source = try PyTorchCheckpoint.read(folder.appendingPathComponent("plain.pth"))
        let dir = try TestPaths.temporaryDirectory("pth-write")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("model.pth")
        try PyTorchCheckpoint.write(source, to: url)
        let back = try PyTorchCheckpoint.read(url)
        try expectBaseStateDict(back)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["model.pth"])
    }

    /// Checkpoints written here load with `torch.load` (checked by hand with
    /// `tools/check_written_checkpoint.py`, which needs torch); this pins the container layout
    /// torch relies on: record names and order, stored (uncompressed) members.
    @Test func writtenCheckpointsUseTorchSaveLayout() throws {
        var sd = StateDict()
        sd["w"] = StoredTensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
        let data = try PyTorchCheckpoint.encode(sd, archiveName: "model")
        let dir = try TestPaths.temporaryDirectory("pth-layout")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("model.pth")
        try data.write(to: url)
        let archive = try #require(try? Archive(url: url, accessMode: .read))
        #expect(archive.map(\.path) == ["model/data.pkl", "model/byteorder", "model/data/0", "model/version"])
        #expect(archive.allSatisfy { $0.compressedSize == $0.uncompressedSize })  // stored, as torch writes
    }

    @Test func truncatedSafetensorsNamesTheFile() throws {
        let sd = try PyTorchCheckpoint.read(folder.appendingPathComponent("plain.pth"))
        let data = try Safetensors.encode(sd)
        for cut in [0, 5, 12, data.count - 4] {
            let error = try #require(throws: FormatError.self) { try Safetensors.decode(data.prefix(cut), source: "cut.safetensors") }
            #expect(error.description.contains("cut.safetensors"))
        }
    }

    @Test(.enabled(if: TestPaths.hasSharedFixtures, "needs ../shared/fixtures"))
    func officialSAMCheckpointLoadsWithOfficialKeys() throws {
        let sd = try PyTorchCheckpoint.read(TestPaths.sharedFixtures.appendingPathComponent("sam_tiny/sam.pth"))
        #expect(try sd.tensor("image_encoder.pos_embed", shape: [1, 64, 64, 64]).values.count == 64 * 64 * 64)
        #expect(try sd.tensor("image_encoder.blocks.0.attn.qkv.weight", shape: [192, 64]).values.allSatisfy { $0.isFinite })
        #expect(sd["prompt_encoder.pe_layer.positional_encoding_gaussian_matrix"]?.shape == [2, 128])
        #expect(sd.subtree("mask_decoder").keys.allSatisfy { !$0.hasPrefix("mask_decoder.") })
    }
}
