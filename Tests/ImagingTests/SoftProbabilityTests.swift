import Imaging
import Tensor
import Testing

@Test func softProbabilityThresholdsBackToTheMaskAndVanishesBeyondItsReach() {
    let mask = SyntheticLesion.mask(width: 200, height: 160, centerX: 60, centerY: 70, radius: 25,
                                    harmonics: [(0.1, 1)])
    var generator = SeededGenerator(seed: 3)
    let p = SoftProbability.of(mask, temperature: 2, using: &generator)
    #expect(zip(p.pixels, mask.pixels).allSatisfy { ($0 > 0.5) == ($1 != 0) })
    let phi = SignedDistance.of(mask)
    // Deep inside near 1; soft and nonzero just outside the edge.
    #expect(zip(p.pixels, phi.pixels).allSatisfy { $1 < -20 ? $0 > 0.99 : true })
    #expect(zip(p.pixels, phi.pixels).allSatisfy { $1 > 0 && $1 < 10 ? $0 > 0 : true })
    #expect(p.pixels.contains { $0 > 0.05 && $0 < 0.5 })
    // Beyond `reach` pixels from the mask's bounding box the map is exactly 0.
    let xs = (0..<mask.pixels.count).filter { mask.pixels[$0] != 0 }.map { $0 % mask.width }
    let right = xs.max()! + SoftProbability.reach
    for y in 0..<mask.height {
        for x in 0..<mask.width {
            if x > right { #expect(p[y, x] == 0) }
        }
    }
}
