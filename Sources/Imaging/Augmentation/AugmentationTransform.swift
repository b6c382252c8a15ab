import Foundation
import Pixels

/// One sample's drawn augmentation. The geometric part (horizontal flip, then rotation about
/// the pixel grid's centre) is applied identically to the image, the mask and a coarse map;
/// the intensity part (gamma, then contrast) to the image only.
///
/// The warp follows OpenCV's `warpAffine` with `getRotationMatrix2D(((W-1)/2, (H-1)/2), angle, 1)`
/// and `BORDER_CONSTANT` 0 (positive angles turn counter-clockwise on screen), computed in
/// double precision rather than OpenCV's 5-bit fixed-point weights. Intensities follow
/// torchvision's `adjust_gamma` and `adjust_contrast` (blend with the mean, clamped to [0, 1]).
public struct AugmentationTransform: Sendable, Equatable {
    /// Counter-clockwise rotation in degrees.
    public var rotationDegrees: Double
    /// Mirror left–right before rotating.
    public var flipsHorizontally: Bool
    /// Exponent applied to the image's values.
    public var gamma: Double
    /// Contrast factor around the image's mean (1 keeps it).
    public var contrast: Double

    /// A transform from its parts.
    public init(rotationDegrees: Double = 0, flipsHorizontally: Bool = false, gamma: Double = 1, contrast: Double = 1) {
        self.rotationDegrees = rotationDegrees
        self.flipsHorizontally = flipsHorizontally
        self.gamma = gamma
        self.contrast = contrast
    }

    /// Leaves everything unchanged.
    public static let identity = AugmentationTransform()

    /// The image with intensity jitter, then the warp (bilinear; outside the image 0). Jitter
    /// comes first so the uncovered corners stay exactly 0 whatever the contrast.
    public func image(_ image: Raster<Float>) -> Raster<Float> {
        var jittered = image
        if gamma != 1 {
            let exponent = Float(gamma)
            for i in jittered.pixels.indices { jittered.pixels[i] = min(powf(max(jittered.pixels[i], 0), exponent), 1) }
        }
        if contrast != 1 {
            let planeSize = image.width * image.height
            let factor = Float(contrast)
            for plane in 0..<image.channels where planeSize > 0 {
                let range = plane * planeSize ..< (plane + 1) * planeSize
                let mean = Float(jittered.pixels[range].reduce(0.0) { $0 + Double($1) } / Double(planeSize))
                for i in range { jittered.pixels[i] = min(max(factor * jittered.pixels[i] + (1 - factor) * mean, 0), 1) }
            }
        }
        return probability(jittered)
    }

    /// A probability (or any continuous) map under the warp alone: bilinear, outside the image 0.
    public func probability(_ map: Raster<Float>) -> Raster<Float> {
        warp(map) { plane, x, y, width, height in
            let x0 = Int(x.rounded(.down)), y0 = Int(y.rounded(.down))
            let fx = Float(x - Double(x0)), fy = Float(y - Double(y0))
            // Each of the four neighbours outside the image contributes 0 (a constant border).
            func at(_ column: Int, _ row: Int) -> Float {
                column >= 0 && column < width && row >= 0 && row < height ? plane[row * width + column] : 0
            }
            let top = (1 - fx) * at(x0, y0) + fx * at(x0 + 1, y0)
            let bottom = (1 - fx) * at(x0, y0 + 1) + fx * at(x0 + 1, y0 + 1)
            let value = (1 - fy) * top + fy * bottom
            return value
        }
    }

    /// A label mask under the warp alone: nearest neighbour (so labels stay labels), outside 0.
    public func mask<Element: AdditiveArithmetic & Sendable>(_ mask: Raster<Element>) -> Raster<Element> {
        warp(mask) { plane, x, y, width, height in
            // OpenCV's INTER_NEAREST in warpAffine rounds the source coordinate.
            let column = Int((x + 0.5).rounded(.down)), row = Int((y + 0.5).rounded(.down))
            return column >= 0 && column < width && row >= 0 && row < height ? plane[row * width + column] : .zero
        }
    }

    /// Whether the warp moves anything.
    public var isGeometricIdentity: Bool { rotationDegrees == 0 && !flipsHorizontally }

    /// Fills each output pixel with `sample(plane, sourceX, sourceY, width, height)`, the source
    /// point found by undoing the rotation and then the flip; the identity returns the input as is.
    private func warp<Element: Sendable>(
        _ raster: Raster<Element>, sample: (UnsafeBufferPointer<Element>, Double, Double, Int, Int) -> Element
    ) -> Raster<Element> {
        guard !isGeometricIdentity else { return raster }
        let (cosine, sine) = Self.cosineAndSine(degrees: rotationDegrees)
        let width = raster.width, height = raster.height, planeSize = width * height
        let cx = Double(width - 1) / 2, cy = Double(height - 1) / 2
        var output = raster
        raster.pixels.withUnsafeBufferPointer { all in
            for plane in 0..<raster.channels {
                let source = UnsafeBufferPointer(rebasing: all[plane * planeSize ..< (plane + 1) * planeSize])
                for row in 0..<height {
                    let dy = Double(row) - cy
                    for column in 0..<width {
                        let dx = Double(column) - cx
                        var x = cosine * dx - sine * dy + cx
                        let y = sine * dx + cosine * dy + cy
                        if flipsHorizontally { x = Double(width - 1) - x }
                        output.pixels[plane * planeSize + row * width + column] = sample(source, x, y, width, height)
                    }
                }
            }
        }
        return output
    }

    /// Cosine and sine of an angle in degrees, exact at multiples of 90° (where `cos(.pi / 2)`
    /// would leave a 6e-17 residue and shift quarter turns off the pixel grid).
    static func cosineAndSine(degrees: Double) -> (Double, Double) {
        let quarter = degrees / 90
        if quarter == quarter.rounded() {
            switch Int(quarter.truncatingRemainder(dividingBy: 4) + 4) % 4 {
            case 0: return (1, 0)
            case 1: return (0, 1)
            case 2: return (-1, 0)
            default: return (0, -1)
            }
        }
        let radians = degrees * .pi / 180
        return (cos(radians), sin(radians))
    }
}
