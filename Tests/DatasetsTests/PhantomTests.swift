@testable import Datasets
import Foundation
import Imaging
import Pixels
import Testing

private let generator = PhantomGenerator(seed: 2026)
private let sample = (0..<6).map { generator.phantom(index: $0) }

/// Mean of `image` over the pixels where `include(y, x)` holds.
private func mean(_ image: Raster<UInt8>, where include: (Int, Int) -> Bool) -> Double {
    var sum = 0.0, count = 0
    for y in 0..<image.height {
        for x in 0..<image.width where include(y, x) {
            sum += Double(image[y, x])
            count += 1
        }
    }
    return sum / Double(max(count, 1))
}

/// The lesion's bounding box (inclusive).
private func bounds(_ mask: Raster<UInt8>) -> (minX: Int, maxX: Int, minY: Int, maxY: Int) {
    var box = (minX: Int.max, maxX: Int.min, minY: Int.max, maxY: Int.min)
    for y in 0..<mask.height {
        for x in 0..<mask.width where mask[y, x] != 0 {
            box = (min(box.minX, x), max(box.maxX, x), min(box.minY, y), max(box.maxY, y))
        }
    }
    return box
}

@Test func phantomDependsOnlyOnSeedAndIndex() {
    let again = PhantomGenerator(seed: 2026).phantom(index: 4)
    #expect(again.image == sample[4].image)
    #expect(again.mask == sample[4].mask)
    #expect(generator.phantom(index: 5).image != sample[4].image)
    #expect(PhantomGenerator(seed: 2027).phantom(index: 4).image != sample[4].image)
}

@Test func masksAreBinaryAndNonEmpty() {
    for phantom in sample {
        #expect(phantom.mask.pixels.allSatisfy { $0 == 0 || $0 == 255 })
        let lesion = phantom.mask.pixels.count { $0 == 255 }
        #expect(lesion > 50)
        #expect(lesion < phantom.mask.planeSize / 4)
    }
}

@Test func lesionIsDarkerThanTheTissueAroundIt() {
    for phantom in sample {
        let box = bounds(phantom.mask)
        let inside = mean(phantom.image) { phantom.mask[$0, $1] != 0 }
        // A 10-pixel frame around the lesion, above its lowest row (below it lies the shadow).
        let around = mean(phantom.image) { y, x in
            phantom.mask[y, x] == 0 && y <= box.maxY && y >= box.minY - 10
                && x >= box.minX - 10 && x <= box.maxX + 10
        }
        #expect(inside < 0.7 * around, "lesion mean \(inside), surroundings \(around)")
    }
}

@Test func shadowBelowTheLesionIsDarkerThanTheSameRowsBesideIt() {
    for phantom in sample {
        let box = bounds(phantom.mask)
        let rows = (box.maxY + 3)..<min(phantom.image.height, box.maxY + 40)
        let center = (box.minX + box.maxX) / 2, quarter = (box.maxX - box.minX) / 4
        let below = mean(phantom.image) { y, x in rows.contains(y) && abs(x - center) <= quarter }
        let beside = mean(phantom.image) { y, x in
            rows.contains(y) && (x < box.minX - 8 || x > box.maxX + 8)
                && x >= box.minX - 48 && x <= box.maxX + 48
        }
        #expect(below < 0.85 * beside, "shadow mean \(below), beside \(beside)")
    }
}

@Test func speckleInHomogeneousTissueHasRayleighStatistics() {
    // The speckle is the envelope of a circular complex Gaussian field, so where the mean
    // brightness is constant over the PSF support, image / meanBrightness is Rayleigh with
    // unit mean: mean/std = sqrt(pi / (4 - pi)).
    let rayleighRatio = (Double.pi / (4 - Double.pi)).squareRoot()
    var ratios: [Double] = []
    for phantom in sample {
        let mean = phantom.meanBrightness
        for y in 4..<(mean.height - 4) {
            for x in 6..<(mean.width - 6) {
                let center = Double(mean[y, x])
                // 20...80 keeps rounding negligible and the Rayleigh tail below 255.
                guard center >= 20 && center <= 80 else { continue }
                var homogeneous = true
                for dy in -3...3 where homogeneous {
                    for dx in -5...5 where abs(Double(mean[y + dy, x + dx]) / center - 1) > 0.03 {
                        homogeneous = false
                    }
                }
                if homogeneous { ratios.append(Double(phantom.image[y, x]) / center) }
            }
        }
    }
    #expect(ratios.count > 20_000)
    let average = ratios.reduce(0, +) / Double(ratios.count)
    let variance = ratios.map { ($0 - average) * ($0 - average) }.reduce(0, +) / Double(ratios.count)
    #expect(abs(average - 1) < 0.03, "speckle mean \(average)")
    #expect(abs(average / variance.squareRoot() - rayleighRatio) < 0.05 * rayleighRatio,
            "mean/std \(average / variance.squareRoot()), Rayleigh \(rayleighRatio)")
}
