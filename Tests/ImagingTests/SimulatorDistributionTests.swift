import Formats
import Foundation
import Imaging
import Pixels
import Tensor
import TestSupport
import Testing

/// Checks every sample for the simulator's guarantees and returns the achieved histogram.
private func checkSamples(_ masks: [Raster<UInt8>], count: Int, seed: UInt64) throws -> BucketHistogram {
    let simulator = FailureSimulator(seed: seed)
    var histogram = BucketHistogram()
    for index in 0..<count {
        let truth = masks[index % masks.count]
        let sample = try simulator.sample(groundTruth: truth, index: index)
        histogram.add(sample.bucket)
        let dice = Overlap.dice(sample.mask, truth)
        #expect(dice == sample.dice)
        #expect(sample.bucket.contains(dice), "sample \(index): Dice \(dice) outside \(sample.bucket.rangeDescription)")
        #expect(sample.bucket == .perfect ? sample.modes.isEmpty : !sample.modes.isEmpty)
        #expect(zip(sample.probability.pixels, sample.mask.pixels).allSatisfy { ($0 > 0.5) == ($1 != 0) },
                "sample \(index): soft map disagrees with the binary mask at 0.5")
    }
    return histogram
}

private func expectTargetShares(_ histogram: BucketHistogram) {
    for bucket in QualityBucket.allCases {
        #expect(abs(histogram.share(bucket) - bucket.targetShare) <= 0.02, "\(histogram.report)")
    }
}

@Test func twoThousandPhantomSamplesHitTheirBucketsAndShares() throws {
    var generator = SeededGenerator(seed: 2024)
    let masks = (0..<50).map { _ in SyntheticLesion.random(width: 192, height: 192, using: &generator) }
    #expect(masks.contains { $0.foregroundCount < 500 })
    let histogram = try checkSamples(masks, count: 2000, seed: 7)
    #expect(histogram.total == 2000)
    expectTargetShares(histogram)
}

@Test func targetSharesAreTenFifteenFortyThirtyFivePercent() {
    #expect(QualityBucket.perfect.targetShare == 0.10)
    #expect(QualityBucket.excellent.targetShare == 0.15)
    #expect(QualityBucket.good.targetShare == 0.40)
    #expect(QualityBucket.fair.targetShare == 0.35)
}

@Test func everyBlockOfTwentyHoldsExactTargetCounts() {
    for seed in UInt64(0)..<3 {
        for block in 0..<10 {
            var histogram = BucketHistogram()
            for index in block * 20..<(block + 1) * 20 {
                histogram.add(QualityBucket.scheduled(index: index, seed: seed))
            }
            for bucket in QualityBucket.allCases {
                #expect(Double(histogram.counts[bucket, default: 0]) == bucket.targetShare * 20)
            }
        }
    }
}

@Test func bucketEndsFollowTheDocumentedInclusion() {
    #expect(QualityBucket(dice: 1) == .perfect)
    #expect(QualityBucket(dice: 0.9) == .excellent)
    #expect(QualityBucket(dice: 0.8999999) == .good)
    #expect(QualityBucket(dice: 0.8) == .good)
    #expect(QualityBucket(dice: 0.6) == .fair)
    #expect(QualityBucket(dice: 0.5999) == nil)
}

@Test func sampleDependsOnlyOnSeedAndIndex() throws {
    let truth = Phantom.irregular()
    let simulator = FailureSimulator(seed: 5)
    let alone = try simulator.sample(groundTruth: truth, index: 17)
    _ = try simulator.sample(groundTruth: truth, index: 3)
    let again = try simulator.sample(groundTruth: truth, index: 17)
    #expect(alone.mask == again.mask && alone.modes == again.modes && alone.probability == again.probability)
    let other = try FailureSimulator(seed: 6).sample(groundTruth: truth, index: 17, bucket: alone.bucket)
    #expect(other.mask != alone.mask)
}

@Test func tooSmallMasksAreRefusedWithAnError() {
    let speck = SyntheticLesion.mask(width: 32, height: 32, centerX: 16, centerY: 16, radius: 1.5)
    #expect(throws: SimulatorError.self) { try FailureSimulator(seed: 1).sample(groundTruth: speck, index: 1) }
}

/// How often each lesion's samples start with one of `modes`.
private func primaryShare(of modes: Set<FailureMode>, truth: Raster<UInt8>) throws -> Double {
    let simulator = FailureSimulator(seed: 3)
    var hits = 0
    for index in 0..<300 {
        let sample = try simulator.sample(groundTruth: truth, index: index, bucket: .good)
        if let first = sample.modes.first?.mode, modes.contains(first) { hits += 1 }
    }
    return Double(hits) / 300
}

@Test func lesionPropertiesConditionTheModeProbabilities() throws {
    let tiny = SyntheticLesion.mask(width: 96, height: 96, centerX: 48, centerY: 48, radius: 9)
    let large = SyntheticLesion.mask(width: 192, height: 192, centerX: 96, centerY: 96, radius: 50)
    let round = SyntheticLesion.mask(width: 128, height: 128, centerX: 64, centerY: 64, radius: 30)
    #expect(tiny.foregroundCount < 500 && large.foregroundCount >= 5000)
    #expect(try primaryShare(of: [.shrinkage, .erosion], truth: tiny)
            > primaryShare(of: [.shrinkage, .erosion], truth: large) + 0.1)
    #expect(try primaryShare(of: [.holes, .dropout], truth: large)
            > primaryShare(of: [.holes, .dropout], truth: tiny) + 0.1)
    #expect(try primaryShare(of: [.breakage], truth: Phantom.irregular())
            > primaryShare(of: [.breakage], truth: round) + 0.05)
}

@Test func circularityIsNearOneForADiscAndLowForALobedShape() {
    let disc = LesionProfile(SyntheticLesion.mask(width: 128, height: 128, centerX: 64, centerY: 64, radius: 30))
    #expect(abs(disc.circularity - 1) < 0.1)
    #expect(LesionProfile(Phantom.irregular()).circularity < 0.6)
}

/// BUSI ground truths (benign and malignant; `NAME_mask.png` merged with `NAME_mask_N.png`),
/// resized to 256×256 by nearest neighbour as training would feed them.
private func busiMasks() throws -> [Raster<UInt8>] {
    var masks: [Raster<UInt8>] = []
    for folder in ["benign", "malignant"] {
        let url = TestPaths.busi.appendingPathComponent(folder)
        let names = try FileManager.default.contentsOfDirectory(atPath: url.path)
        for name in names.sorted() where name.hasSuffix("_mask.png") {
            var mask = try PNG.readGray(url.appendingPathComponent(name))
            let stem = name.dropLast("_mask.png".count)
            for part in names where part.hasPrefix(stem + "_mask_") {
                mask = mask.union(try PNG.readGray(url.appendingPathComponent(part)))
            }
            var resized = [UInt8](repeating: 0, count: 256 * 256)
            mask.pixels.withUnsafeBufferPointer { source in
                resized.withUnsafeMutableBufferPointer { target in
                    Interpolation.nearest(source, planes: 1, inH: mask.height, inW: mask.width,
                                          outH: 256, outW: 256, into: target)
                }
            }
            let small = Raster(width: 256, height: 256, pixels: resized)
            if small.foregroundCount >= FailureSimulator.minimumArea { masks.append(small) }
        }
    }
    return masks
}

@Test(.enabled(if: TestPaths.hasBUSI, "needs ../shared/data/busi"))
func twoThousandBUSISamplesHitTheirBucketsAndShares() throws {
    let masks = try busiMasks()
    #expect(masks.count > 100)
    let histogram = try checkSamples(masks, count: 2000, seed: 11)
    expectTargetShares(histogram)
}
