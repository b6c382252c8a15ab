import Imaging
import Testing

@Test func qualityWeightIsAClampedSmoothstepFromDice06To1() {
    #expect(QualityWeight.forDice(0.3) == 0)
    #expect(QualityWeight.forDice(0.6) == 0)
    #expect(QualityWeight.forDice(1) == 1)
    for dice in stride(from: 0.6, through: 1.0, by: 0.05) {
        let s = (dice - 0.6) / 0.4
        #expect(abs(QualityWeight.forDice(dice) - (3 * s * s - 2 * s * s * s)) < 1e-12)
    }
}
