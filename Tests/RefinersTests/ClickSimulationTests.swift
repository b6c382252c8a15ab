import Testing
@testable import Refiners

/// The simulated user on masks whose answer is known by construction.
struct ClickSimulationTests {
    static func mask(width: Int, height: Int, _ inside: (Int, Int) -> Bool) -> [Bool] {
        (0..<width * height).map { inside($0 % width, $0 / width) }
    }

    @Test func aMissedSquareIsClickedPositiveAtItsCentre() {
        // Truth: a 9×9 square at (5…13, 5…13); prediction: nothing. The centre is (9, 9).
        let truth = Self.mask(width: 20, height: 20) { x, y in (5...13).contains(x) && (5...13).contains(y) }
        let prediction = [Bool](repeating: false, count: 400)
        #expect(ClickSimulation.nextClick(prediction: prediction, truth: truth, width: 20, height: 20)
                == CorrectionClick(x: 9, y: 9, positive: true))
    }

    @Test func theLargestErrorRegionWinsAndAFalsePositiveIsClickedNegative() {
        // Truth: a small square (3×3 at 1…3) predicted as background: a 9-pixel miss.
        // Prediction adds a 5×5 false positive at (10…14, 10…14): the larger error, centre (12, 12).
        let truth = Self.mask(width: 16, height: 16) { x, y in (1...3).contains(x) && (1...3).contains(y) }
        let prediction = Self.mask(width: 16, height: 16) { x, y in (10...14).contains(x) && (10...14).contains(y) }
        #expect(ClickSimulation.nextClick(prediction: prediction, truth: truth, width: 16, height: 16)
                == CorrectionClick(x: 12, y: 12, positive: false))
    }

    @Test func aRegionOnTheBorderIsCentredInsideTheImage() {
        // A missed 4-wide band along the left edge of a 10×6 image: the border counts as its
        // boundary, so the deepest pixels are 2 from it, in columns 1 and 2 and rows 1 to 4,
        // and raster order picks (1, 1). Without the border, column 0 (4 from the band's
        // right edge) would win.
        let truth = Self.mask(width: 10, height: 6) { x, _ in x < 4 }
        let click = ClickSimulation.nextClick(prediction: [Bool](repeating: false, count: 60), truth: truth, width: 10, height: 6)
        #expect(click == CorrectionClick(x: 1, y: 1, positive: true))
    }

    @Test func agreeingMasksGetNoClick() {
        let truth = Self.mask(width: 8, height: 8) { x, y in x > 2 && y > 3 }
        #expect(ClickSimulation.nextClick(prediction: truth, truth: truth, width: 8, height: 8) == nil)
    }
}
