import Imaging
import Pixels
import Testing

/// The drawing primitives of the report figures: fills, lines, contours, pasting, text.
@Suite struct CanvasTests {
    let red = RGBColor(255, 0, 0)

    /// Every pixel of `canvas` that has `color`, as (x, y).
    func pixels(of color: RGBColor, in canvas: Canvas) -> Set<[Int]> {
        var found: Set<[Int]> = []
        for y in 0..<canvas.height {
            for x in 0..<canvas.width where canvas.color(x: x, y: y) == color { found.insert([x, y]) }
        }
        return found
    }

    @Test func backgroundFillsAllThreePlanes() {
        let canvas = Canvas(width: 3, height: 2, background: RGBColor(10, 20, 30))
        #expect(canvas.raster.channels == 3)
        #expect(canvas.raster.pixels == [UInt8](repeating: 10, count: 6) + [UInt8](repeating: 20, count: 6)
                + [UInt8](repeating: 30, count: 6))
    }

    @Test func fillClipsAtTheEdges() {
        var canvas = Canvas(width: 4, height: 4)
        canvas.fill(x: -2, y: 2, width: 4, height: 10, red)
        #expect(pixels(of: red, in: canvas) == [[0, 2], [1, 2], [0, 3], [1, 3]])
    }

    @Test func lineCoversBothEndsAndTheDiagonal() {
        var canvas = Canvas(width: 5, height: 5)
        canvas.line(from: (4, 0), to: (0, 4), red)
        #expect(pixels(of: red, in: canvas) == Set((0...4).map { [$0, 4 - $0] }))
    }

    @Test func dashedLineLeavesGaps() {
        var canvas = Canvas(width: 12, height: 1)
        canvas.line(from: (0, 0), to: (11, 0), red, dash: 3)
        #expect(pixels(of: red, in: canvas) == [[0, 0], [1, 0], [2, 0], [6, 0], [7, 0], [8, 0]])
    }

    @Test func contourMarksOnlyTheMaskBoundary() {
        var mask = Raster<UInt8>(width: 5, height: 5, repeating: 0)
        for y in 1...3 { for x in 1...3 { mask[y, x] = 255 } }
        var canvas = Canvas(width: 8, height: 8)
        canvas.contour(of: mask, x: 2, y: 1, red)
        let ring = Set((1...3).flatMap { y in (1...3).map { x in [x + 2, y + 1] } }).subtracting([[4, 3]])
        #expect(pixels(of: red, in: canvas) == ring)
    }

    @Test func pasteDrawsGrayAsEqualChannelsAndRGBAsIs() {
        var canvas = Canvas(width: 3, height: 1)
        canvas.paste(Raster(width: 1, height: 1, pixels: [77]), x: 0, y: 0)
        canvas.paste(Raster(width: 1, height: 1, channels: 3, pixels: [1, 2, 3]), x: 2, y: 0)
        #expect(canvas.color(x: 0, y: 0) == RGBColor(77, 77, 77))
        #expect(canvas.color(x: 1, y: 0) == .white)
        #expect(canvas.color(x: 2, y: 0) == RGBColor(1, 2, 3))
    }

    @Test func textInksWithinItsMeasuredWidth() {
        var canvas = Canvas(width: 40, height: 10)
        canvas.text("1.0", x: 1, y: 1, red)
        let inked = pixels(of: red, in: canvas)
        #expect(!inked.isEmpty)
        #expect(Canvas.textWidth("1.0") == 17)
        #expect(inked.allSatisfy { $0[0] >= 1 && $0[0] < 1 + 17 && $0[1] >= 1 && $0[1] < 8 })
    }
}
