import Durable
import Formats
import Foundation
import NN
@testable import Refiners
@testable import SegmentAnything
import Tensor
import TestSupport
import Testing

/// A joint checkpoint stored as its changes to a base SAM checkpoint: what training did not
/// touch is left out, comes back from the base bit for bit, and a wrong or missing base is an
/// error naming the file.
struct StoredChangesTests {
    /// A tiny joint model whose SAM started from `base` (written as safetensors) and whose mask
    /// decoder was then changed, as phase 2 with a frozen encoder changes it.
    static func trainedOverBase(in folder: URL) throws -> (model: UltraRefinerModel, base: URL) {
        let model = try UltraRefinerModelTests.tinyModel()
        let base = folder.appendingPathComponent("base.safetensors")
        try model.sam.save(to: base)
        let key = "mask_decoder.iou_prediction_head.layers.0.weight"
        var changed = model.sam.checkpoint()
        var tensor = changed[key]!
        tensor.values[0] += 0.25
        changed[key] = tensor
        try model.sam.load(changed)
        return (model, base)
    }

    @Test func unchangedRefinerTensorsAreLeftOutAndComeBackExactly() throws {
        let folder = try TestPaths.temporaryDirectory("stored-changes")
        let (model, base) = try Self.trainedOverBase(in: folder)
        let checkpoint = try model.checkpointStoringChanges(from: try ModelCheckpoint<SAM>(contentsOf: base).tensors,
                                                             baseFile: base.lastPathComponent)
        let samKeys = checkpoint.tensors.keys.filter { $0.hasPrefix("sam.") }
        #expect(samKeys == ["sam.mask_decoder.iou_prediction_head.layers.0.weight"], "only the changed tensor is stored")
        #expect(checkpoint.tensors.keys.filter { $0.hasPrefix("transunet.") }.count == model.transunet.savedWeights.count)
        let reference = try #require(try checkpoint.decoded(SAMBaseReference.metadataKey, as: SAMBaseReference.self))
        #expect(reference.file == "base.safetensors" && reference.tensors == model.sam.savedWeights.count - 1)

        let file = folder.appendingPathComponent("model.safetensors")
        try checkpoint.write(to: file)
        let loaded = try UltraRefinerModel.load(contentsOf: file, baseFolder: folder)
        #expect(loaded.savedWeights == model.savedWeights)
    }

    @Test func aDifferentOrMissingBaseIsRefusedNamingTheFile() throws {
        let folder = try TestPaths.temporaryDirectory("stored-changes-base")
        let (model, base) = try Self.trainedOverBase(in: folder)
        let file = folder.appendingPathComponent("model.safetensors")
        try model.checkpointStoringChanges(from: try ModelCheckpoint<SAM>(contentsOf: base).tensors, baseFile: base.lastPathComponent)
            .write(to: file)

        // One value of the base's image encoder differs.
        var other = try ModelCheckpoint<SAM>(contentsOf: base)
        let key = other.tensors.keys.first { $0.hasPrefix("image_encoder.") }!
        var tensor = other.tensors[key]!
        tensor.values[0] = tensor.values[0].nextUp
        other.tensors[key] = tensor
        try other.write(to: base)
        #expect {
            try UltraRefinerModel.load(contentsOf: file, baseFolder: folder)
        } throws: { error in
            "\(error)".hasPrefix("\(file.path): its base \(base.path) is not the checkpoint it was saved against")
        }

        try FileManager.default.removeItem(at: base)
        #expect(throws: FormatError(file, "stores only what training changed; the rest comes from \(base.path), which does not exist (run `make models`)")) {
            try UltraRefinerModel.load(contentsOf: file, baseFolder: folder)
        }
    }

    @Test func aCheckpointWithEveryTensorNeedsNoBase() throws {
        let folder = try TestPaths.temporaryDirectory("stored-changes-full")
        let model = try UltraRefinerModelTests.tinyModel()
        let file = folder.appendingPathComponent("joint.safetensors")
        try model.save(to: file)
        let loaded = try UltraRefinerModel.load(contentsOf: file, baseFolder: folder.appendingPathComponent("absent"))
        #expect(loaded.savedWeights == model.savedWeights)
    }
}
