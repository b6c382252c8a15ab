import Foundation
import Imaging
import Pixels

/// The contour colours of the case grids, shared by the legend and the tiles.
public enum EvaluationColors {
    public static let truth = RGBColor(0, 230, 0)
    public static let coarse = RGBColor(255, 50, 50)
    public static let refined = RGBColor(60, 160, 255)
}

/// An image letterboxed into a `side`×`side` RGB square with the contours of its masks drawn
/// over it in order (the last on top): the case grids' tiles and `infer`'s `overlay.png`.
public enum MaskOverlay {
    /// `masks` are nonzero for lesion and the size of `image`; a nil mask is left out.
    public static func picture(_ image: Raster<UInt8>, masks: [(Raster<UInt8>?, RGBColor)], side: Int) -> Raster<UInt8> {
        let scale = min(Double(side) / Double(image.width), Double(side) / Double(image.height))
        let width = max(1, min(side, Int((Double(image.width) * scale).rounded())))
        let height = max(1, min(side, Int((Double(image.height) * scale).rounded())))
        let x = (side - width) / 2, y = (side - height) / 2
        var canvas = Canvas(width: side, height: side, background: .black)
        canvas.paste(AreaResample.resized(image.plane(0), width: width, height: height), x: x, y: y)
        // Masks shrink by nearest neighbour so they stay binary; contours are taken at the drawn size.
        for case let (mask?, color) in masks {
            canvas.contour(of: mask.plane(0).resizedNearest(width: width, height: height), x: x, y: y, color)
        }
        return canvas.raster
    }

    /// Ground truth, coarse and refined contours in the report's colours (refined on top).
    public static func picture(_ image: Raster<UInt8>, truth: Raster<UInt8>?, coarse: Raster<UInt8>?,
                               refined: Raster<UInt8>?, side: Int) -> Raster<UInt8> {
        picture(image, masks: [(truth, EvaluationColors.truth), (coarse, EvaluationColors.coarse),
                               (refined, EvaluationColors.refined)], side: side)
    }
}

/// A case shrunk for a grid, with its metrics.
struct CaseTile: Sendable {
    let evaluated: EvaluatedCase
    /// RGB, `side`×`side`.
    let picture: Raster<UInt8>

    init(_ evaluated: EvaluatedCase, image: Raster<UInt8>, truth: Raster<UInt8>, coarse: Raster<UInt8>,
         refined: Raster<UInt8>, side: Int) {
        self.evaluated = evaluated
        picture = MaskOverlay.picture(image, truth: truth, coarse: coarse, refined: refined, side: side)
    }
}

/// The report's charts, drawn with `Canvas` and the bitmap font.
struct EvaluationFigures {
    let cases: [EvaluatedCase]

    static let ink = RGBColor(40, 40, 40)
    static let gridLine = RGBColor(225, 225, 225)
    private static let neutral = RGBColor(70, 110, 200)

    /// Refined Dice (y) against coarse Dice (x), both axes 0…1 with ticks every 0.2, the
    /// diagonal dashed; points above it by more than the change threshold green, below red.
    func diceScatter() -> Raster<UInt8> {
        let plot = 340, left = 50, top = 30
        var canvas = Canvas(width: left + plot + 20, height: top + plot + 50)
        let position = { (v: Double) in Int((min(max(v, 0), 1) * Double(plot - 1)).rounded()) }
        for tick in 0...5 {
            let offset = position(Double(tick) / 5), label = String(format: "%.1f", Double(tick) / 5)
            canvas.line(from: (left + offset, top), to: (left + offset, top + plot - 1), Self.gridLine)
            canvas.line(from: (left, top + plot - 1 - offset), to: (left + plot - 1, top + plot - 1 - offset), Self.gridLine)
            canvas.line(from: (left + offset, top + plot), to: (left + offset, top + plot + 3), Self.ink)
            canvas.line(from: (left - 4, top + plot - 1 - offset), to: (left - 1, top + plot - 1 - offset), Self.ink)
            canvas.text(label, x: left + offset - Canvas.textWidth(label) / 2, y: top + plot + 6, Self.ink)
            canvas.text(label, x: left - 6 - Canvas.textWidth(label), y: top + plot - 1 - offset - 3, Self.ink)
        }
        canvas.line(from: (left, top + plot - 1), to: (left + plot - 1, top), Self.ink, dash: 4)
        canvas.frame(x: left, y: top, width: plot, height: plot, Self.ink)
        for evaluated in cases {
            let color = evaluated.diceDelta > EvaluationReport.changeThreshold ? RGBColor(0, 160, 0)
                : evaluated.diceDelta < -EvaluationReport.changeThreshold ? RGBColor(220, 30, 30) : Self.neutral
            let x = left + position(evaluated.coarse.dice), y = top + plot - 1 - position(evaluated.refined.dice)
            canvas.fill(x: x - 2, y: y - 2, width: 5, height: 5, color)
        }
        let xTitle = "COARSE DICE"
        canvas.text(xTitle, x: left + (plot - Canvas.textWidth(xTitle)) / 2, y: top + plot + 22, Self.ink)
        canvas.text("REFINED DICE VS COARSE DICE, \(cases.count) IMAGES", x: left, y: 4, Self.ink)
        canvas.text("Y: REFINED", x: 4, y: 16, Self.ink)
        return canvas.raster
    }

    /// Histogram of refined − coarse Dice: 20 bins over ±(the largest change, rounded up to
    /// 0.05), the zero line dashed, counts on the y axis.
    func deltaHistogram() -> Raster<UInt8> {
        let plotWidth = 400, plotHeight = 230, left = 50, top = 30, binCount = 20
        var canvas = Canvas(width: left + plotWidth + 30, height: top + plotHeight + 50)
        let deltas = cases.map(\.diceDelta)
        let largest = deltas.map(abs).max() ?? 0
        let extent = min(1, max(0.05, (largest / 0.05).rounded(.up) * 0.05))
        var bins = [Int](repeating: 0, count: binCount)
        for delta in deltas {
            let bin = Int(((delta + extent) / (2 * extent) * Double(binCount)).rounded(.down))
            bins[min(max(bin, 0), binCount - 1)] += 1
        }
        let tallest = max(bins.max() ?? 0, 1)
        let barWidth = plotWidth / binCount
        for (index, count) in bins.enumerated() where count > 0 {
            let height = Int((Double(count) / Double(tallest) * Double(plotHeight - 10)).rounded())
            canvas.fill(x: left + index * barWidth + 1, y: top + plotHeight - height, width: barWidth - 2, height: height,
                        Self.neutral)
        }
        for tick in 0...4 {
            let value = -extent + Double(tick) * extent / 2, x = left + tick * plotWidth / 4
            let label = tick == 2 ? "0" : String(format: "%+.3f", value)
            canvas.line(from: (x, top + plotHeight), to: (x, top + plotHeight + 3), Self.ink)
            canvas.text(label, x: x - Canvas.textWidth(label) / 2, y: top + plotHeight + 6, Self.ink)
        }
        canvas.line(from: (left + plotWidth / 2, top), to: (left + plotWidth / 2, top + plotHeight - 1), Self.ink, dash: 4)
        for count in Set([0, tallest / 2, tallest]).sorted() {
            let y = top + plotHeight - Int((Double(count) / Double(tallest) * Double(plotHeight - 10)).rounded())
            canvas.line(from: (left - 4, y), to: (left - 1, y), Self.ink)
            canvas.text("\(count)", x: left - 6 - Canvas.textWidth("\(count)"), y: y - 3, Self.ink)
        }
        canvas.line(from: (left, top + plotHeight), to: (left + plotWidth - 1, top + plotHeight), Self.ink)
        canvas.line(from: (left, top), to: (left, top + plotHeight), Self.ink)
        let xTitle = "REFINED - COARSE DICE"
        canvas.text(xTitle, x: left + (plotWidth - Canvas.textWidth(xTitle)) / 2, y: top + plotHeight + 22, Self.ink)
        canvas.text("DICE CHANGE BY REFINEMENT, \(cases.count) IMAGES (Y: IMAGES PER BIN)", x: left, y: 8, Self.ink)
        return canvas.raster
    }

    /// Tiles four to a row under a title and a legend of the three contour colours; each
    /// tile captioned with the case name and its coarse (C) and refined (R) Dice.
    static func grid(_ tiles: [CaseTile], title: String, tileSide: Int) -> Raster<UInt8> {
        let columns = 4, gap = 8, header = 36, caption = 24
        let rows = max(1, (tiles.count + columns - 1) / columns)
        var canvas = Canvas(width: max(gap + columns * (tileSide + gap), 280),
                            height: header + rows * (tileSide + caption + gap))
        canvas.text(title, x: gap, y: 6, ink)
        var x = gap
        for (label, color) in [("GROUND TRUTH", EvaluationColors.truth), ("COARSE", EvaluationColors.coarse),
                               ("REFINED", EvaluationColors.refined)] {
            canvas.fill(x: x, y: 20, width: 10, height: 8, color)
            canvas.text(label, x: x + 14, y: 20, ink)
            x += 14 + Canvas.textWidth(label) + 14
        }
        if tiles.isEmpty { canvas.text("NO IMAGES", x: gap, y: header + 4, ink) }
        let maxCharacters = max(1, tileSide / BitmapFont.advance)
        for (index, tile) in tiles.enumerated() {
            let left = gap + (index % columns) * (tileSide + gap)
            let top = header + (index / columns) * (tileSide + caption + gap)
            canvas.paste(tile.picture, x: left, y: top)
            canvas.text(String(tile.evaluated.name.prefix(maxCharacters)), x: left, y: top + tileSide + 3, ink)
            canvas.text(String(format: "C %.3f R %.3f", tile.evaluated.coarse.dice, tile.evaluated.refined.dice),
                        x: left, y: top + tileSide + 13, ink)
        }
        return canvas.raster
    }
}
