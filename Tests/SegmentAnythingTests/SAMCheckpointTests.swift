import Durable
import Formats
import Foundation
import Imaging
import NN
import Pixels
import SegmentAnything
import Tensor
import TestSupport
import Testing

/// Our safetensors checkpoints, config inference from key shapes, load errors and the
/// embedding cache.
@Suite struct SAMCheckpointTests {
    static let config = SAMConfig(encoderEmbedDim: 32, encoderDepth: 3, encoderNumHeads: 4, encoderGlobalAttnIndexes: [2],
                                  windowSize: 3, imageSize: 128)

    @Test func safetensorsRoundTripKeepsWeightsAndConfig() throws {
        let folder = try TestPaths.temporaryDirectory("sam-ckpt")
        defer { try? FileManager.default.removeItem(at: folder) }
        let sam = SAMGradientTests.model(seed: 21)
        let file = folder.appendingPathComponent("sam.safetensors")
        try sam.save(to: file, metadata: ["phase": "test"])
        let loaded = try SAM.load(contentsOf: file)
        #expect(loaded.config == sam.config)
        let saved = Dictionary(uniqueKeysWithValues: sam.stateDict().map { ($0.key, $0.value.scalars) })
        for (key, value) in loaded.stateDict() { #expect(saved[key] == value.scalars, "\(key) differs after the round trip") }
        #expect(try Safetensors.read(file).metadata["phase"] == "test")
    }

    @Test func configMetadataKeepsItsKeyAndJSONShape() throws {
        let folder = try TestPaths.temporaryDirectory("sam-meta")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("sam.safetensors")
        try SAM(config: Self.config).save(to: file)
        // Files written before the shared checkpoint code hold exactly this; they must keep loading.
        #expect(try Safetensors.read(file).metadata == ["sam_config": #"{"encoderDepth":3,"encoderEmbedDim":32,"encoderGlobalAttnIndexes":[2],"encoderNumHeads":4,"imageSize":128,"patchSize":16,"windowSize":3}"#])
        #expect(SAM.presetList == "vit_b, vit_l, vit_h, tiny, litemedsam" && SAM.preset(named: "vit_l") == .vitL)
    }

    @Test func safetensorsWithoutConfigInfersItFromKeys() throws {
        let folder = try TestPaths.temporaryDirectory("sam-bare")
        defer { try? FileManager.default.removeItem(at: folder) }
        let sam = SAMGradientTests.model(seed: 22)
        let file = folder.appendingPathComponent("bare.safetensors")
        try Safetensors.write(sam.checkpoint(), to: file)
        let loaded = try SAM.load(contentsOf: file)
        #expect(loaded.config == sam.config)
        #expect(loaded.stateDict().map(\.value.scalars) == sam.stateDict().map(\.value.scalars))
    }

    @Test func truncatedFileIsNamed() throws {
        let folder = try TestPaths.temporaryDirectory("sam-cut")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("cut.safetensors")
        try SAM(config: Self.config).save(to: file)
        let bytes = try Data(contentsOf: file)
        try bytes.prefix(bytes.count / 2).write(to: file)
        let error = try #require(throws: FormatError.self) { try SAM.load(contentsOf: file) }
        #expect(error.path == file.path && error.problem.contains("truncated"))
    }

    @Test func configIsInferredFromKeyShapes() throws {
        for config in [Self.config, SAMGradientTests.config] {
            #expect(try SAM.inferConfig(from: SAM(config: config).checkpoint()) == config)
        }
    }

    @Test func officialKeyNamesAndCounts() {
        // segment_anything's vit_b state dict has 314 keys (fixture README); depth 12 gives
        // 146 keys outside the blocks and 14 per block (12 blocks); the tiny fixture has 174.
        let keys = SAM(config: SAMGradientTests.config).stateDict().map(\.key)
        #expect(keys.count == 146 + 14 * SAMGradientTests.config.vit!.depth)
        #expect(146 + 14 * SAMConfig.vitB.vit!.depth == 314)
        #expect(keys.contains("image_encoder.blocks.0.attn.rel_pos_h"))
        #expect(keys.contains("prompt_encoder.mask_downscaling.6.weight"))
        #expect(keys.contains("mask_decoder.output_upscaling.3.bias"))
        #expect(keys.contains("mask_decoder.output_hypernetworks_mlps.3.layers.2.weight"))
        #expect(keys.contains("prompt_encoder.pe_layer.positional_encoding_gaussian_matrix"))
        #expect(!keys.contains { $0.contains("mask_downscaling.2") || $0.contains("output_upscaling.2") })
    }

    @Test func wrongShapesMissingAndUnexpectedKeysAreNamed() throws {
        let folder = try TestPaths.temporaryDirectory("sam-bad")
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = SAM(config: SAMGradientTests.config)
        var tensors = source.checkpoint()
        tensors["mask_decoder.iou_token.weight"] = nil
        tensors["image_encoder.extra.weight"] = StoredTensor(shape: [1], values: [0])
        let file = folder.appendingPathComponent("bad.safetensors")
        try Safetensors.write(tensors, to: file)
        let error = #expect(throws: FormatError.self) { try SAM.load(contentsOf: file, config: SAMGradientTests.config) }
        let text = error?.description ?? ""
        #expect(text.contains(file.path) && text.contains("mask_decoder.iou_token.weight") && text.contains("image_encoder.extra.weight"),
                "\(text)")
        var wider = SAMGradientTests.config.vit!
        wider.embedDim = 32
        let bigger = SAMConfig(encoder: .vit(wider), imageSize: SAMGradientTests.config.imageSize)
        let mismatch = #expect(throws: FormatError.self) { try SAM.load(contentsOf: file, config: bigger) }
        #expect(mismatch?.description.contains("image_encoder.pos_embed") == true)
    }

    @Test func embeddingCacheReusesEntriesPerImageModelAndPreprocessing() throws {
        let folder = try TestPaths.temporaryDirectory("sam-cache")
        defer { try? FileManager.default.removeItem(at: folder) }
        let sam = SAMGradientTests.model(seed: 31)
        let cache = try SAMEmbeddingCache(directory: folder, model: sam)
        var generator = SeededGenerator(seed: 32)
        let image = Raster(width: 40, height: 30, pixels: (0..<1200).map { _ in UInt8(truncatingIfNeeded: generator.next()) })
        var computed = 0
        let first = try SAMPredictor(model: sam, image: image, preprocessing: .samPredictor, cache: cache)
        let again = try cache.embedding(for: image, preprocessing: .samPredictor) { computed += 1; return .zeros([1]) }
        #expect(computed == 0, "a stored embedding is reused")
        #expect(again.scalars == first.embedding.scalars)
        let direct = noGrad { sam.image_encoder(SAMInput(image: image, preprocessing: .samPredictor, side: 64).tensor) }
        #expect(first.embedding.scalars == direct.scalars)

        let square = cache.url(for: image, preprocessing: .square(.minMax))
        #expect(square != cache.url(for: image, preprocessing: .samPredictor))
        var other = image
        other.pixels[0] &+= 1
        #expect(cache.url(for: other, preprocessing: .samPredictor) != cache.url(for: image, preprocessing: .samPredictor))
        let changed = try SAMEmbeddingCache(directory: folder, model: SAMGradientTests.model(seed: 33))
        #expect(changed.url(for: image, preprocessing: .samPredictor) != cache.url(for: image, preprocessing: .samPredictor))
    }
}
