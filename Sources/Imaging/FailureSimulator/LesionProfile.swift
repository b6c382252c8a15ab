import Pixels

/// Shape measurements of a ground-truth lesion mask that condition the failure modes.
public struct LesionProfile: Sendable, Equatable {
    /// Foreground pixels.
    public let area: Int
    /// Contour length in pixels: the count of foreground/background pixel edges times π/4,
    /// which removes the staircase overestimate of the crack length on average.
    public let perimeter: Double
    /// Connected components (8-connected).
    public let componentCount: Int

    /// Isoperimetric ratio `4πA/P²`: about 1 for a disc, small for ragged or elongated shapes.
    public var circularity: Double {
        perimeter > 0 ? 4 * Double.pi * Double(area) / (perimeter * perimeter) : 0
    }

    /// Radius of the disc with the same area, the length scale every mode is sized by.
    public var equivalentRadius: Double { (Double(area) / Double.pi).squareRoot() }

    /// Measures `mask` (nonzero = foreground).
    public init(_ mask: Raster<UInt8>) {
        self.init(pixels: mask.plane(0).pixels, width: mask.width, height: mask.height,
                  components: ConnectedComponents(mask))
    }

    init(pixels: [UInt8], width: Int, height: Int, components: ConnectedComponents) {
        var area = 0, edges = 0
        for y in 0..<height {
            for x in 0..<width where pixels[y * width + x] != 0 {
                area += 1
                if x == 0 || pixels[y * width + x - 1] == 0 { edges += 1 }
                if x == width - 1 || pixels[y * width + x + 1] == 0 { edges += 1 }
                if y == 0 || pixels[(y - 1) * width + x] == 0 { edges += 1 }
                if y == height - 1 || pixels[(y + 1) * width + x] == 0 { edges += 1 }
            }
        }
        self.area = area
        perimeter = Double(edges) * Double.pi / 4
        componentCount = components.count
    }
}
