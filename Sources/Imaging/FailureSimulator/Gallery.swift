import Pixels

/// Contact sheets of simulated samples, so a person can judge their realism at a glance:
/// each tile zooms on the lesion, fills the corrupted mask in dark red with a bright red
/// outline, draws the ground-truth contour in green on top, and prints labels beneath.
public enum Gallery {
    /// One tile's content.
    public struct Tile: Sendable {
        /// The ground-truth mask (nonzero = foreground).
        public var groundTruth: Raster<UInt8>
        /// The corrupted mask, same size.
        public var corrupted: Raster<UInt8>
        /// Caption lines (upper case fits the built-in font best).
        public var labels: [String]

        /// A tile showing `corrupted` against `groundTruth`, captioned with `labels`.
        public init(groundTruth: Raster<UInt8>, corrupted: Raster<UInt8>, labels: [String]) {
            self.groundTruth = groundTruth
            self.corrupted = corrupted
            self.labels = labels
        }
    }

    static let background: (UInt8, UInt8, UInt8) = (24, 24, 28)
    static let corruptedFill: (UInt8, UInt8, UInt8) = (110, 28, 28)
    static let corruptedEdge: (UInt8, UInt8, UInt8) = (255, 70, 70)
    static let truthEdge: (UInt8, UInt8, UInt8) = (80, 255, 80)
    static let text: (UInt8, UInt8, UInt8) = (235, 235, 235)

    /// An RGB contact sheet of `tiles`, `columns` per row, each `tileSize` pixels square plus
    /// room for `labelLines` caption lines.
    public static func contactSheet(_ tiles: [Tile], columns: Int = 6, tileSize: Int = 200,
                                    labelLines: Int = 3) -> Raster<UInt8> {
        let gap = 4
        let cellWidth = tileSize + gap, cellHeight = tileSize + labelLines * BitmapFont.lineHeight + gap + 2
        let rows = (tiles.count + columns - 1) / columns
        var sheet = Raster<UInt8>(width: max(1, min(tiles.count, columns) * cellWidth + gap),
                                  height: max(1, rows * cellHeight + gap), channels: 3, repeating: 8)
        for (n, tile) in tiles.enumerated() {
            let left = gap + (n % columns) * cellWidth, top = gap + (n / columns) * cellHeight
            draw(tile, into: &sheet, left: left, top: top, size: tileSize)
            for (line, label) in tile.labels.prefix(labelLines).enumerated() {
                BitmapFont.draw(label, into: &sheet, x: left + 1,
                                y: top + tileSize + 3 + line * BitmapFont.lineHeight, color: text)
            }
        }
        return sheet
    }

    /// The tile's masks, zoomed on the bounding box of both plus a margin.
    static func draw(_ tile: Tile, into sheet: inout Raster<UInt8>, left: Int, top: Int, size: Int) {
        let truth = tile.groundTruth, corrupted = tile.corrupted
        var minX = truth.width, minY = truth.height, maxX = 0, maxY = 0
        for y in 0..<truth.height {
            for x in 0..<truth.width where truth[y, x] != 0 || corrupted[y, x] != 0 {
                minX = min(minX, x); maxX = max(maxX, x); minY = min(minY, y); maxY = max(maxY, y)
            }
        }
        if minX > maxX { (minX, minY, maxX, maxY) = (0, 0, truth.width - 1, truth.height - 1) }
        let side = Double(max(maxX - minX, maxY - minY) + 1) * 1.3 + 8
        let originX = Double(minX + maxX) / 2 - side / 2, originY = Double(minY + maxY) / 2 - side / 2
        func zoomed(_ mask: Raster<UInt8>) -> Raster<UInt8> {
            var out = Raster<UInt8>(width: size, height: size, repeating: 0)
            for ty in 0..<size {
                let sy = Int((originY + (Double(ty) + 0.5) * side / Double(size)).rounded(.down))
                guard sy >= 0, sy < mask.height else { continue }
                for tx in 0..<size {
                    let sx = Int((originX + (Double(tx) + 0.5) * side / Double(size)).rounded(.down))
                    if sx >= 0, sx < mask.width, mask[sy, sx] != 0 { out[ty, tx] = 1 }
                }
            }
            return out
        }
        let truthZoom = zoomed(truth), corruptedZoom = zoomed(corrupted)
        let truthEdgeMask = Morphology.innerBoundary(truthZoom)
        let corruptedEdgeMask = Morphology.innerBoundary(corruptedZoom)
        for y in 0..<size {
            for x in 0..<size {
                let color = truthEdgeMask[y, x] != 0 ? truthEdge
                    : corruptedEdgeMask[y, x] != 0 ? corruptedEdge
                    : corruptedZoom[y, x] != 0 ? corruptedFill : background
                sheet[0, top + y, left + x] = color.0
                sheet[1, top + y, left + x] = color.1
                sheet[2, top + y, left + x] = color.2
            }
        }
    }
}
