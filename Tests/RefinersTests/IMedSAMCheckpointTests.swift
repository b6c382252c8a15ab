import Durable
import Foundation
import Formats
import NN
import Pixels
@testable import Refiners
@testable import SegmentAnything
import Tensor
import TestSupport
import Testing

/// An I-MedSAM checkpoint holds only what trained, records its family and config, and comes
/// back over its base SAM with the same predictions; a wrong base or a plain SAM file is an
/// error naming the file.
struct IMedSAMCheckpointTests {
    /// A trained-looking model (adapters and LoRA moved off their zero start) over a tiny ViT SAM
    /// saved as `base.safetensors` in `folder`.
    static func model(in folder: URL, component: FrequencyComponent = .phase) throws -> IMedSAM {
        let sam = IMedSAMTestModels.tinyViTSAM(seed: 4)
        try sam.save(to: folder.appendingPathComponent("base.safetensors"))
        let model = try IMedSAM(sam: sam, config: IMedSAMConfig(frequencyAdapter: component, decoder: IMedSAMTestModels.decoderConfig()),
                                seed: 6)
        var g = SeededGenerator(seed: 8)
        for (_, p) in model.trainableParameters() { p.value = Tensor.uniform(p.shape, low: -0.3, high: 0.3, generator: &g) }
        return model
    }

    @Test("save then load over the base gives the same config, tensors and masks, and stores no base tensor")
    func roundTrip() throws {
        let folder = try TestPaths.temporaryDirectory("imedsam-checkpoint")
        let model = try Self.model(in: folder)
        let url = folder.appendingPathComponent("imedsam.safetensors")
        try model.save(to: url, baseFile: "base.safetensors")
        #expect(IMedSAM.isCheckpoint(url))
        #expect(!IMedSAM.isCheckpoint(folder.appendingPathComponent("base.safetensors")))
        let stored = try ModelCheckpoint<SAM>(contentsOf: url).tensors.keys
        #expect(Set(stored) == Set(model.trainableParameters().map(\.key)))
        let loaded = try IMedSAM.load(contentsOf: url, baseFolder: folder)
        #expect(loaded.config == model.config)
        let image = IMedSAMTestModels.disc(side: 64, seed: 9)
        let input = SAMInput(image: Raster(width: 64, height: 64, pixels: [UInt8](repeating: 0, count: 64 * 64)),
                             preprocessing: .square(.sam), config: model.sam.config)
        let a = model.segment(input, box: image.box, size: Size2D(20, 30))
        let b = loaded.segment(input, box: image.box, size: Size2D(20, 30))
        #expect(a.pixels == b.pixels && a.width == 30 && a.height == 20)
        let embedding = noGrad { model.embed(image.image) }, embeddingLoaded = noGrad { loaded.embed(image.image) }
        #expect(embedding.scalars == embeddingLoaded.scalars)
    }

    @Test("a base other than the one trained on is an error naming the checkpoint")
    func wrongBase() throws {
        let folder = try TestPaths.temporaryDirectory("imedsam-wrong-base")
        let model = try Self.model(in: folder)
        let url = folder.appendingPathComponent("imedsam.safetensors")
        try model.save(to: url, baseFile: "base.safetensors")
        try IMedSAMTestModels.tinyViTSAM(seed: 5).save(to: folder.appendingPathComponent("base.safetensors"))
        let wrong = #expect(throws: FormatError.self) { try IMedSAM.load(contentsOf: url, baseFolder: folder) }
        #expect(wrong.map { "\($0)".contains("imedsam.safetensors") && "\($0)".contains("not the checkpoint it was trained on") } == true)
        let plain = #expect(throws: FormatError.self) {
            try IMedSAM.load(contentsOf: folder.appendingPathComponent("base.safetensors"), baseFolder: folder)
        }
        #expect(plain.map { "\($0)".contains("not an I-MedSAM checkpoint") } == true)
    }

    @Test("starting from a decoder-only checkpoint takes its decoder and leaves the new adapters at their zero start")
    func startFromADecoderOnlyCheckpoint() throws {
        let folder = try TestPaths.temporaryDirectory("imedsam-start-from")
        let decoderOnly = try Self.model(in: folder, component: .amplitude)
        let sam = IMedSAMTestModels.tinyViTSAM(seed: 4)
        let stage1 = try IMedSAM(sam: sam, config: IMedSAMConfig(frequencyAdapter: nil, lora: nil, decoder: decoderOnly.config.decoder))
        for (key, p) in stage1.trainableParameters() {
            p.value = try #require(decoderOnly.trainableParameters().first { $0.key == key }).parameter.value
        }
        let url = folder.appendingPathComponent("stage1.safetensors")
        try stage1.save(to: url, baseFile: "base.safetensors")

        let stage2 = try IMedSAM(sam: IMedSAMTestModels.tinyViTSAM(seed: 4), config: decoderOnly.config, seed: 6)
        let fresh = Dictionary(uniqueKeysWithValues: stage2.trainableParameters().map { ($0.key, $0.parameter.value.scalars) })
        let taken = try stage2.start(from: url, baseFile: "base.safetensors")
        #expect(Set(taken) == Set(stage1.trainableParameters().map(\.key)) && taken.allSatisfy { $0.hasPrefix("decoder.") })
        for (key, p) in stage2.trainableParameters() {
            let source = stage1.trainableParameters().first { $0.key == key }
            #expect(p.value.scalars == (source?.parameter.value.scalars ?? fresh[key]!), "\(key)")
        }

        let otherBase = try IMedSAM(sam: IMedSAMTestModels.tinyViTSAM(seed: 5), config: decoderOnly.config)
        let wrongBase = #expect(throws: FormatError.self) { try otherBase.start(from: url, baseFile: "base.safetensors") }
        #expect(wrongBase.map { "\($0)".contains("stage1.safetensors") && "\($0)".contains("another base SAM") } == true)
        var wider = decoderOnly.config
        wider.decoder.hiddenWidth += 1
        let otherDecoder = try IMedSAM(sam: IMedSAMTestModels.tinyViTSAM(seed: 4), config: wider)
        let wrongDecoder = #expect(throws: FormatError.self) { try otherDecoder.start(from: url, baseFile: "base.safetensors") }
        #expect(wrongDecoder.map { "\($0)".contains("stage1.safetensors") && "\($0)".contains("implicit decoder") } == true)
    }
}
