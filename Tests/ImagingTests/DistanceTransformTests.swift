import Imaging
import Pixels
import Tensor
import Testing

/// Random 0/1 mask with the given foreground density.
private func randomMask(width: Int, height: Int, density: Double, seed: UInt64) -> Raster<UInt8> {
    var generator = SeededGenerator(seed: seed)
    return Raster(width: width, height: height,
                  pixels: (0..<width * height).map { _ in generator.uniform() < density ? 1 : 0 })
}

/// Squared distance to the nearest pixel satisfying `isFeature`, by trying them all.
private func bruteForceSquared(_ mask: Raster<UInt8>, isFeature: (UInt8) -> Bool) -> [Float] {
    var features: [(Int, Int)] = []
    for y in 0..<mask.height { for x in 0..<mask.width where isFeature(mask[y, x]) { features.append((x, y)) } }
    var out = [Float](repeating: .infinity, count: mask.width * mask.height)
    for y in 0..<mask.height {
        for x in 0..<mask.width {
            for (fx, fy) in features {
                out[y * mask.width + x] = min(out[y * mask.width + x], Float((x - fx) * (x - fx) + (y - fy) * (y - fy)))
            }
        }
    }
    return out
}

@Test(arguments: [(17, 23, 0.02), (31, 9, 0.3), (40, 40, 0.001), (12, 12, 0.9), (1, 15, 0.2)])
func distanceTransformMatchesBruteForce(width: Int, height: Int, density: Double) {
    for seed in UInt64(0)..<5 {
        let mask = randomMask(width: width, height: height, density: density, seed: seed &+ UInt64(width))
        let fast = DistanceTransform.squaredDistances(width: width, height: height) { mask.pixels[$0] != 0 }
        #expect(fast == bruteForceSquared(mask) { $0 != 0 })
    }
}

@Test func distanceTransformOfEmptyMaskIsInfinite() {
    let empty = Raster<UInt8>(width: 7, height: 5, repeating: 0)
    #expect(DistanceTransform.distanceToForeground(empty).pixels.allSatisfy { $0 == .infinity })
}

@Test func signedDistanceIsNegativeExactlyInsideWithHalfPixelBoundary() {
    let mask = randomMask(width: 30, height: 20, density: 0.4, seed: 7)
    let phi = SignedDistance.of(mask)
    let toInside = bruteForceSquared(mask) { $0 != 0 }
    let toOutside = bruteForceSquared(mask) { $0 == 0 }
    for i in 0..<mask.pixels.count {
        #expect((phi.pixels[i] < 0) == (mask.pixels[i] != 0))
        let expected = mask.pixels[i] != 0 ? 0.5 - toOutside[i].squareRoot() : toInside[i].squareRoot() - 0.5
        #expect(phi.pixels[i] == expected)
    }
}

@Test func signedDistanceOfDiscApproximatesRadialDistance() {
    let disc = SyntheticLesion.mask(width: 81, height: 81, centerX: 40, centerY: 40, radius: 20)
    let phi = SignedDistance.of(disc)
    for y in 0..<81 {
        for x in 0..<81 {
            let r = (Double((x - 40) * (x - 40) + (y - 40) * (y - 40))).squareRoot()
            #expect(abs(Double(phi[y, x]) - (r - 20)) < 1.0)
        }
    }
}

@Test func discMorphologyMatchesBruteForce() {
    let mask = randomMask(width: 25, height: 19, density: 0.05, seed: 3)
    let radius = 2.6
    let dilated = Morphology.dilated(mask, radius: radius)
    let erodedOfComplement = Morphology.eroded(mask.map { $0 == 0 ? 1 : 0 }, radius: radius)
    let squared = bruteForceSquared(mask) { $0 != 0 }
    for i in 0..<mask.pixels.count {
        let near = Double(squared[i]) <= radius * radius
        #expect(dilated.pixels[i] == (near ? 1 : 0))
        // Eroding the background is the complement of dilating the foreground.
        #expect(erodedOfComplement.pixels[i] == (near ? 0 : 1))
    }
}

@Test func innerBoundaryKeepsOnlyPixelsTouchingBackground() {
    let square = Raster<UInt8>(width: 6, height: 6, pixels: (0..<36).map { i in
        (1...4).contains(i % 6) && (1...4).contains(i / 6) ? 1 : 0
    })
    let boundary = Morphology.innerBoundary(square)
    #expect(boundary.foregroundCount == 12)  // the 4×4 square minus its 2×2 interior
    #expect(boundary[2, 2] == 0 && boundary[1, 1] == 1)
}
