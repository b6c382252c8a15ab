import Foundation
import Imaging
import Pixels
import Tensor

/// One synthetic breast-ultrasound image with its exact lesion mask.
public struct Phantom: Sendable {
    /// The 8-bit B-mode image.
    public var image: Raster<UInt8>
    /// The lesion, 0/255, exactly the region that was made hypoechoic.
    public var mask: Raster<UInt8>
    /// The speckle-free expected brightness (tissue echogenicity × gain × attenuation ×
    /// shadowing); the image is this times unit-mean Rayleigh speckle.
    public var meanBrightness: Raster<Float>
}

/// Synthetic ultrasound phantoms for tests and demos: layered breast tissue (skin, fat,
/// fibroglandular tissue, chest-wall muscle) with wavy boundaries, brightness decaying with
/// depth, one dark irregular lesion casting a posterior acoustic shadow, and speckle formed
/// through a point-spread function (see `SpeckleField`).
public struct PhantomGenerator: Sendable {
    /// Image size in pixels.
    public var width: Int
    public var height: Int
    /// The seed every phantom's own stream is derived from.
    public var seed: UInt64

    /// A generator of `width`×`height` phantoms (at least 32×32) drawn from `seed`.
    public init(width: Int = 256, height: Int = 256, seed: UInt64) {
        precondition(width >= 32 && height >= 32, "phantoms need at least 32x32 pixels")
        self.width = width
        self.height = height
        self.seed = seed
    }

    /// Phantom number `index`. Each index draws from its own derived stream, so a phantom
    /// does not depend on how many others are made or in which order.
    public func phantom(index: Int) -> Phantom {
        var rng = SeededGenerator(seed: seed).derived(UInt64(index))
        let tissue = TissueLayers.random(width: width, height: height, using: &rng)
        let lesion = LesionShape.random(width: width, height: height, using: &rng)
        let mask = lesion.mask(width: width, height: height)
        let lesionEchogenicity = rng.uniform(0.08, 0.22)
        let gain = rng.uniform(110, 150)
        let attenuation = rng.uniform(0.6, 1.2)
        let shadow = PosteriorShadow(mask: mask, depth: rng.uniform(0.4, 0.65))

        var mean = [Double](repeating: 0, count: width * height)
        for y in 0..<height {
            let depthGain = gain * exp(-attenuation * Double(y) / Double(height))
            for x in 0..<width {
                let echogenicity = mask[y, x] != 0 ? lesionEchogenicity : tissue.echogenicity(x: x, y: y)
                mean[y * width + x] = depthGain * echogenicity * shadow.transmission(x: x, y: y)
            }
        }
        let envelope = SpeckleField.envelope(meanBrightness: mean, width: width, height: height, using: &rng)
        let pixels = envelope.map { UInt8(min(max($0.rounded(), 0), 255)) }
        return Phantom(image: Raster(width: width, height: height, pixels: pixels),
                       mask: mask,
                       meanBrightness: Raster(width: width, height: height, pixels: mean.map { Float($0) }))
    }
}

/// Horizontal tissue layers with gently wavy boundaries and their echogenicities (0...1).
struct TissueLayers: Sendable {
    /// A boundary row as a function of the column: `base + amplitude * sin(2πx/period + phase)`.
    struct Boundary: Sendable {
        var base: Double
        var amplitude: Double
        var period: Double
        var phase: Double

        func row(atColumn x: Int) -> Double {
            base + amplitude * sin(2 * Double.pi * Double(x) / period + phase)
        }

        static func random(width: Int, height: Int, depth: ClosedRange<Double>, wave: Double,
                           using rng: inout SeededGenerator) -> Boundary {
            Boundary(base: Double(height) * rng.uniform(depth.lowerBound, depth.upperBound),
                     amplitude: Double(height) * rng.uniform(0, wave),
                     period: Double(width) * rng.uniform(0.5, 1.5),
                     phase: rng.uniform(0, 2 * Double.pi))
        }
    }

    /// Boundaries from the top (skin/fat, fat/gland, gland/muscle).
    var boundaries: [Boundary]
    /// One more echogenicity than boundaries: skin, fat, gland, muscle.
    var echogenicities: [Double]

    static func random(width: Int, height: Int, using rng: inout SeededGenerator) -> TissueLayers {
        TissueLayers(
            boundaries: [
                .random(width: width, height: height, depth: 0.03...0.05, wave: 0.005, using: &rng),
                .random(width: width, height: height, depth: 0.15...0.25, wave: 0.04, using: &rng),
                .random(width: width, height: height, depth: 0.72...0.85, wave: 0.04, using: &rng),
            ],
            echogenicities: [rng.uniform(0.85, 1.0), rng.uniform(0.35, 0.5),
                             rng.uniform(0.6, 0.8), rng.uniform(0.45, 0.6)])
    }

    func echogenicity(x: Int, y: Int) -> Double {
        let row = Double(y) + 0.5
        let layer = boundaries.firstIndex { row < $0.row(atColumn: x) } ?? boundaries.count
        return echogenicities[layer]
    }
}

/// The posterior acoustic shadow: a lesion that absorbs the beam darkens every row below it
/// in the columns it covers, more where the lesion is thicker.
struct PosteriorShadow: Sendable {
    /// Per column: the last lesion row (nil where the column misses the lesion).
    var bottom: [Int?]
    /// Per column: the fraction of brightness removed below the lesion.
    var strength: [Double]

    init(mask: Raster<UInt8>, depth: Double) {
        var bottom = [Int?](repeating: nil, count: mask.width)
        var thickness = [Int](repeating: 0, count: mask.width)
        for y in 0..<mask.height {
            for x in 0..<mask.width where mask[y, x] != 0 {
                bottom[x] = y
                thickness[x] += 1
            }
        }
        let thickest = Double(max(thickness.max() ?? 0, 1))
        self.bottom = bottom
        strength = thickness.map { depth * (Double($0) / thickest).squareRoot() }
    }

    /// The fraction of brightness that reaches pixel (x, y).
    func transmission(x: Int, y: Int) -> Double {
        guard let last = bottom[x], y > last else { return 1 }
        return 1 - strength[x]
    }
}
