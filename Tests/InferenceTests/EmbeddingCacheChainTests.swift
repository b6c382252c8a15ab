import Foundation
import Inference
import Pixels
import SegmentAnything
import Tensor
import TestSupport
import Testing
import TransUNetModel

/// `infer --embedding-cache`: the chain stores the image embedding once and reuses it, with
/// outputs identical to an uncached run.
@Test func chainReusesTheCachedEmbeddingAndGivesTheSameMask() throws {
    let folder = try TestPaths.temporaryDirectory("chain-cache")
    defer { try? FileManager.default.removeItem(at: folder) }
    let transunet = folder.appendingPathComponent("transunet.safetensors")
    let sam = folder.appendingPathComponent("sam.safetensors")
    try TransUNet(.cpuTiny, seed: 7).save(to: transunet)
    var config = SAMConfig.tiny
    config.imageSize = 256
    try SAM(config: config, seed: 11).save(to: sam)
    let cacheFolder = folder.appendingPathComponent("cache")
    let cached = try RefinementModels(transunet: transunet, sam: sam, samPreprocessing: .square(.sam), embeddingCache: cacheFolder)
    let plain = try RefinementModels(transunet: transunet, sam: sam, samPreprocessing: .square(.sam))
    var generator = SeededGenerator(seed: 5)
    let image = Raster(width: 90, height: 70, pixels: (0..<6300).map { _ in UInt8(truncatingIfNeeded: generator.next()) })

    let first = try cached.refine(image)
    let entries = try FileManager.default.contentsOfDirectory(atPath: cacheFolder.path)
    #expect(entries.count == 1 && entries[0].hasSuffix("-square-bilinear-sam.npy"), "\(entries)")
    let again = try cached.refine(image)
    #expect(try FileManager.default.contentsOfDirectory(atPath: cacheFolder.path).count == 1)
    let uncached = try plain.refine(image)
    #expect(again.refinedProbability == first.refinedProbability)
    #expect(uncached.refinedProbability == first.refinedProbability)
}
