import Formats
import Foundation
import Imaging
import Pixels
import TestSupport

/// The reference arrays written by `tools/make_imaging_fixtures.py`.
enum ImagingFixtures {
    static func url(_ name: String) -> URL {
        TestPaths.fixtures.appendingPathComponent("imaging/\(name).npy")
    }

    /// A C×H×W float32 fixture as a raster.
    static func floatRaster(_ name: String) throws -> Raster<Float> {
        let array = try NPY.read(url(name))
        return Raster(width: array.shape[2], height: array.shape[1], channels: array.shape[0],
                      pixels: array.floats())
    }

    /// A (H, W) or (H, W, C) uint8 fixture (numpy's image layout) as a planar raster.
    static func interleavedByteRaster(_ url: URL) throws -> Raster<UInt8> {
        let array = try NPY.read(url)
        let h = array.shape[0], w = array.shape[1], c = array.shape.count == 3 ? array.shape[2] : 1
        let interleaved = try array.uint8s()
        var planar = [UInt8](repeating: 0, count: interleaved.count)
        for i in 0..<(h * w) { for k in 0..<c { planar[k * h * w + i] = interleaved[i * c + k] } }
        return Raster(width: w, height: h, channels: c, pixels: planar)
    }

    /// A C×H×W uint8 fixture as a raster.
    static func byteRaster(_ name: String) throws -> Raster<UInt8> {
        let array = try NPY.read(url(name))
        return Raster(width: array.shape[2], height: array.shape[1], channels: array.shape[0],
                      pixels: try array.uint8s())
    }
}

/// Largest absolute difference between two equally shaped rasters (infinity if shapes differ).
func maxDifference(_ a: Raster<Float>, _ b: Raster<Float>) -> Float {
    guard a.width == b.width, a.height == b.height, a.channels == b.channels else { return .infinity }
    return zip(a.pixels, b.pixels).map { abs($0 - $1) }.max() ?? 0
}
