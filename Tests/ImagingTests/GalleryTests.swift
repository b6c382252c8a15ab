import Imaging
import Testing

@Test func contactSheetDrawsTruthContourCorruptedMaskAndCaptions() {
    let truth = SyntheticLesion.mask(width: 120, height: 100, centerX: 60, centerY: 50, radius: 20)
    let corrupted = SyntheticLesion.mask(width: 120, height: 100, centerX: 64, centerY: 50, radius: 16)
    let tile = Gallery.Tile(groundTruth: truth, corrupted: corrupted, labels: ["D=0.812 GOOD", "EROSION"])
    let sheet = Gallery.contactSheet([tile, tile], columns: 2, tileSize: 80, labelLines: 2)
    #expect(sheet.channels == 3)
    #expect(sheet.width == 2 * (80 + 4) + 4)
    func count(_ color: (UInt8, UInt8, UInt8), rows: Range<Int>) -> Int {
        var n = 0
        for y in rows { for x in 0..<sheet.width where sheet[0, y, x] == color.0 && sheet[1, y, x] == color.1 && sheet[2, y, x] == color.2 { n += 1 } }
        return n
    }
    let image = 4..<84, captions = 84..<sheet.height
    #expect(count((80, 255, 80), rows: image) > 50)     // ground-truth contour
    #expect(count((255, 70, 70), rows: image) > 50)     // corrupted outline
    #expect(count((110, 28, 28), rows: image) > 500)    // corrupted fill
    #expect(count((235, 235, 235), rows: captions) > 40) // caption text
}
