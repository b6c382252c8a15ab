import Foundation
import Imaging
import Pixels
import Testing

/// A w×h plane of distinct values in (0, 1), so any misplaced pixel shows.
private func ramp(_ width: Int, _ height: Int) -> Raster<Float> {
    Raster(width: width, height: height, pixels: (0..<width * height).map { Float($0 + 1) / Float(width * height + 1) })
}

/// A binary disc of `radius` around (cx, cy).
private func disc(_ width: Int, _ height: Int, cx: Double, cy: Double, radius: Double) -> Raster<Float> {
    Raster(width: width, height: height, pixels: (0..<width * height).map { i in
        let dx = Double(i % width) - cx, dy = Double(i / width) - cy
        return dx * dx + dy * dy <= radius * radius ? 1 : 0
    })
}

/// The value-weighted centroid (x, y).
private func centroid(_ plane: Raster<Float>) -> (x: Double, y: Double) {
    var sum = 0.0, x = 0.0, y = 0.0
    for (i, value) in plane.pixels.enumerated() {
        sum += Double(value)
        x += Double(value) * Double(i % plane.width)
        y += Double(value) * Double(i / plane.width)
    }
    return (x / sum, y / sum)
}

@Test func identityParametersGiveTheInputBackExactly() {
    let image = ramp(7, 5)
    let mask = Raster<UInt8>(width: 7, height: 5, pixels: (0..<35).map { UInt8($0 % 3 == 0 ? 1 : 0) })
    let transform = Augmentation.none.transform(seed: 9, epoch: 3, index: 11)
    #expect(transform == .identity)
    #expect(transform.image(image) == image)
    #expect(transform.probability(image) == image)
    #expect(transform.mask(mask) == mask)
}

@Test func flippingTwiceIsTheIdentityAndOnceMirrorsRows() {
    let image = ramp(6, 4)
    let flip = AugmentationTransform(flipsHorizontally: true)
    let once = flip.probability(image)
    for row in 0..<4 {
        #expect(Array(once.pixels[row * 6 ..< row * 6 + 6]) == Array(image.pixels[row * 6 ..< row * 6 + 6].reversed()))
    }
    #expect(flip.probability(once) == image)
    #expect(flip.image(flip.image(image)) == image)
}

@Test func quarterTurnsMatchNumpyRot90() {
    // 4×4 and 3×3 patterns with no symmetry; np.rot90(a, k)[y][x] for k = 1 is a[x][n-1-y].
    for n in [3, 4] {
        let image = ramp(n, n)
        func value(_ row: Int, _ column: Int) -> Float { image.pixels[row * n + column] }
        let counterClockwise = (0..<n * n).map { i in value(i % n, n - 1 - i / n) }
        let clockwise = (0..<n * n).map { i in value(n - 1 - i % n, i / n) }
        let halfTurn = Array(image.pixels.reversed())
        #expect(AugmentationTransform(rotationDegrees: 90).probability(image).pixels == counterClockwise)
        #expect(AugmentationTransform(rotationDegrees: -90).probability(image).pixels == clockwise)
        #expect(AugmentationTransform(rotationDegrees: 270).mask(image).pixels == clockwise)
        #expect(AugmentationTransform(rotationDegrees: 180).image(image).pixels == halfTurn)
    }
}

@Test func maskStaysBinaryAndKeepsItsArea() {
    let mask = disc(40, 30, cx: 14, cy: 12, radius: 7)
    let labels = Raster<UInt8>(width: 40, height: 30, pixels: mask.pixels.map { UInt8($0) })
    for degrees in [17.0, -13.5, 45] {
        let transform = AugmentationTransform(rotationDegrees: degrees, flipsHorizontally: true)
        let moved = transform.mask(mask), movedLabels = transform.mask(labels)
        #expect(moved.pixels.allSatisfy { $0 == 0 || $0 == 1 })
        #expect(movedLabels.pixels.allSatisfy { $0 == 0 || $0 == 1 })
        #expect(moved.pixels.map { UInt8($0) } == movedLabels.pixels)
        // The disc lies well inside the frame at these angles: its area is kept within rounding.
        let before = mask.pixels.reduce(0, +), after = moved.pixels.reduce(0, +)
        #expect(abs(after - before) <= 0.1 * before, "area \(before) -> \(after) at \(degrees)°")
    }
}

@Test func drawsArePureFunctionsOfSeedEpochAndIndex() {
    let augmentation = Augmentation()
    let transform = augmentation.transform(seed: 42, epoch: 2, index: 7)
    #expect(augmentation.transform(seed: 42, epoch: 2, index: 7) == transform)
    #expect(augmentation.transform(seed: 42, epoch: 2, index: 8) != transform)
    #expect(augmentation.transform(seed: 42, epoch: 3, index: 7) != transform)
    #expect(augmentation.transform(seed: 43, epoch: 2, index: 7) != transform)
    let draws = (0..<400).map { augmentation.transform(seed: 1, epoch: 0, index: $0) }
    #expect(draws.allSatisfy { abs($0.rotationDegrees) <= 20 && (0.7...1.5).contains($0.gamma)
        && (0.8...1.2).contains($0.contrast) })
    let flips = draws.filter(\.flipsHorizontally).count
    #expect(flips > 150 && flips < 250, "\(flips) flips in 400 draws at p = 0.5")
    #expect(draws.contains { $0.rotationDegrees > 10 } && draws.contains { $0.rotationDegrees < -10 })
}

@Test func coarseMapAndMaskMoveTogether() {
    let width = 48, height = 40
    let (cx, cy) = (15.0, 12.0)
    let mask = disc(width, height, cx: cx, cy: cy, radius: 5)
    // A soft blob around the same centre, as a coarse probability would be.
    let coarse = Raster(width: width, height: height, pixels: (0..<width * height).map { i -> Float in
        let dx = Double(i % width) - cx, dy = Double(i / width) - cy
        return Float(exp(-(dx * dx + dy * dy) / 18))
    })
    let transform = AugmentationTransform(rotationDegrees: 30, flipsHorizontally: true, gamma: 1.4, contrast: 0.8)
    // Forward map of the centre: mirror, then turn 30° counter-clockwise about the grid centre.
    let (gx, gy) = (Double(width - 1) / 2, Double(height - 1) / 2)
    let mirrored = Double(width - 1) - cx
    let angle = 30.0 * .pi / 180
    let expectedX = cos(angle) * (mirrored - gx) + sin(angle) * (cy - gy) + gx
    let expectedY = -sin(angle) * (mirrored - gx) + cos(angle) * (cy - gy) + gy
    let maskCentre = centroid(transform.mask(mask)), coarseCentre = centroid(transform.probability(coarse))
    #expect(abs(maskCentre.x - expectedX) < 0.5 && abs(maskCentre.y - expectedY) < 0.5)
    #expect(abs(coarseCentre.x - expectedX) < 0.1 && abs(coarseCentre.y - expectedY) < 0.1)
    // Intensity jitter is the image's alone: the coarse map keeps its peak value.
    #expect(abs(transform.probability(coarse).pixels.max()! - 1) < 0.05)
}

@Test func intensityJitterIsGammaThenContrastAndLeavesUncoveredCornersBlack() {
    let image = ramp(5, 4)
    let gamma = AugmentationTransform(gamma: 2).image(image)
    #expect(zip(gamma.pixels, image.pixels).allSatisfy { abs($0 - $1 * $1) < 1e-6 })
    let both = AugmentationTransform(gamma: 2, contrast: 0.5).image(image)
    let mean = gamma.pixels.reduce(0, +) / Float(gamma.pixels.count)
    #expect(zip(both.pixels, gamma.pixels).allSatisfy { abs($0 - (0.5 * $1 + 0.5 * mean)) < 1e-6 })
    let stretched = AugmentationTransform(contrast: 3).image(image)
    #expect(stretched.pixels.min() == 0 && stretched.pixels.max() == 1)

    let grey = Raster(width: 20, height: 20, pixels: [Float](repeating: 0.5, count: 400))
    let turned = AugmentationTransform(rotationDegrees: 45, contrast: 0.5).image(grey)
    #expect(turned.pixels[0] == 0 && turned.pixels[399] == 0)
    #expect(abs(turned.pixels[10 * 20 + 10] - 0.5) < 1e-6)
}
