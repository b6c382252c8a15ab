import Pixels

/// An 8-bit sRGB colour for drawing into RGB rasters.
public struct RGBColor: Sendable, Equatable, Hashable {
    public var red: UInt8
    public var green: UInt8
    public var blue: UInt8

    public init(_ red: UInt8, _ green: UInt8, _ blue: UInt8) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    public static let white = RGBColor(255, 255, 255)
    public static let black = RGBColor(0, 0, 0)
}

/// An RGB raster with the few drawing primitives our report figures need: pixels,
/// rectangles, lines, text, pasted images and mask contours. Everything clips at the edges,
/// so callers can draw near the border without bounds arithmetic of their own.
public struct Canvas: Sendable {
    /// Three planes (R, G, B) of `width`×`height`.
    public private(set) var raster: Raster<UInt8>

    public init(width: Int, height: Int, background: RGBColor = .white) {
        var raster = Raster<UInt8>(width: width, height: height, channels: 3, repeating: 0)
        let plane = width * height
        for (channel, value) in [background.red, background.green, background.blue].enumerated() {
            raster.pixels.replaceSubrange(channel * plane..<(channel + 1) * plane,
                                          with: repeatElement(value, count: plane))
        }
        self.raster = raster
    }

    public var width: Int { raster.width }
    public var height: Int { raster.height }

    /// The colour at (`x`, `y`), which must be inside the canvas.
    public func color(x: Int, y: Int) -> RGBColor {
        RGBColor(raster[0, y, x], raster[1, y, x], raster[2, y, x])
    }

    public mutating func set(x: Int, y: Int, _ color: RGBColor) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        raster[0, y, x] = color.red
        raster[1, y, x] = color.green
        raster[2, y, x] = color.blue
    }

    /// Fills the `width`×`height` rectangle whose top-left corner is (`x`, `y`).
    public mutating func fill(x: Int, y: Int, width w: Int, height h: Int, _ color: RGBColor) {
        let x0 = max(0, x), x1 = min(width, x + w), y0 = max(0, y), y1 = min(height, y + h)
        guard x0 < x1, y0 < y1 else { return }
        for py in y0..<y1 {
            for px in x0..<x1 { set(x: px, y: py, color) }
        }
    }

    /// A one-pixel rectangle outline.
    public mutating func frame(x: Int, y: Int, width w: Int, height h: Int, _ color: RGBColor) {
        fill(x: x, y: y, width: w, height: 1, color)
        fill(x: x, y: y + h - 1, width: w, height: 1, color)
        fill(x: x, y: y, width: 1, height: h, color)
        fill(x: x + w - 1, y: y, width: 1, height: h, color)
    }

    /// A one-pixel line between two points, both ends included; with `dash` > 0 the line is
    /// drawn `dash` pixels on, `dash` pixels off.
    public mutating func line(from start: (x: Int, y: Int), to end: (x: Int, y: Int), _ color: RGBColor, dash: Int = 0) {
        // Bresenham's integer walk: every step moves one pixel along the major axis.
        let dx = abs(end.x - start.x), dy = -abs(end.y - start.y)
        let sx = start.x < end.x ? 1 : -1, sy = start.y < end.y ? 1 : -1
        var error = dx + dy, x = start.x, y = start.y, step = 0
        while true {
            if dash <= 0 || (step / dash) % 2 == 0 { set(x: x, y: y, color) }
            if x == end.x && y == end.y { break }
            let doubled = 2 * error
            if doubled >= dy { error += dy; x += sx }
            if doubled <= dx { error += dx; y += sy }
            step += 1
        }
    }

    /// `text` in the 5×7 bitmap font with its top-left corner at (`x`, `y`).
    public mutating func text(_ text: String, x: Int, y: Int, _ color: RGBColor, scale: Int = 1) {
        BitmapFont.draw(text, into: &raster, x: x, y: y, color: (color.red, color.green, color.blue), scale: scale)
    }

    /// The pixel width `text` takes at `scale`.
    public static func textWidth(_ text: String, scale: Int = 1) -> Int {
        text.isEmpty ? 0 : (text.count * BitmapFont.advance - 1) * scale
    }

    /// Copies an image with its top-left corner at (`x`, `y`): one channel is drawn as gray,
    /// three or more as RGB.
    public mutating func paste(_ image: Raster<UInt8>, x: Int, y: Int) {
        for py in 0..<image.height {
            for px in 0..<image.width {
                let color = image.channels >= 3
                    ? RGBColor(image[0, py, px], image[1, py, px], image[2, py, px])
                    : RGBColor(image[0, py, px], image[0, py, px], image[0, py, px])
                set(x: x + px, y: y + py, color)
            }
        }
    }

    /// Draws the contour of a mask (nonzero = foreground; its foreground pixels with a
    /// background 4-neighbour or on its edge) placed with its top-left corner at (`x`, `y`).
    public mutating func contour(of mask: Raster<UInt8>, x: Int, y: Int, _ color: RGBColor) {
        let boundary = Morphology.innerBoundary(mask)
        for py in 0..<mask.height {
            for px in 0..<mask.width where boundary[py, px] != 0 { set(x: x + px, y: y + py, color) }
        }
    }
}
