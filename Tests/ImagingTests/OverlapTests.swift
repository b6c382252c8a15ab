import Imaging
import Pixels
import Testing

@Test func diceCountsOverlapOfNonzeroPixels() {
    // A has 4 foreground pixels (0/255 convention), B has 2 of them (0/1 convention):
    // Dice = 2·2 / (4 + 2).
    let a = Raster<UInt8>(width: 3, height: 2, pixels: [255, 255, 0, 255, 255, 0])
    let b = Raster<UInt8>(width: 3, height: 2, pixels: [1, 0, 0, 1, 0, 0])
    #expect(Overlap.dice(a, b) == 4.0 / 6.0)
    #expect(Overlap.dice(a, a) == 1)
}

@Test func diceOfDisjointMasksIsZeroAndOfTwoEmptyMasksIsOne() {
    let a = Raster<UInt8>(width: 2, height: 1, pixels: [1, 0])
    let b = Raster<UInt8>(width: 2, height: 1, pixels: [0, 1])
    let empty = Raster<UInt8>(width: 2, height: 1, pixels: [0, 0])
    #expect(Overlap.dice(a, b) == 0)
    #expect(Overlap.dice(empty, empty) == 1)
    #expect(Overlap.dice(a, empty) == 0)
}

@Test func countsSplitPixelsIntoTruePositivesFalsePositivesAndFalseNegatives() {
    // Predicted 1, 1, 0, 1, 0 against reference 1, 0, 1, 1, 0: TP 2, FP 1, FN 1, IoU 2/4.
    let predicted: [Float] = [0.9, 0.6, 0.2, 0.7, 0.1], reference: [Float] = [1, 0, 1, 1, 0]
    let counts = OverlapCounts(count: 5) { (predicted[$0] > 0.5, reference[$0] > 0.5) }
    #expect([counts.truePositives, counts.falsePositives, counts.falseNegatives] == [2, 1, 1])
    #expect(counts.iou == 0.5)
    #expect(counts.dice == 4.0 / 6.0)
    let none = OverlapCounts(count: 3) { _ in (false, false) }
    #expect(none.iou == 1 && none.dice == 1)
}
