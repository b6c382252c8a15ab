import Formats
import Foundation
import Imaging
import Pixels
import TestSupport

/// The committed fixtures of `tools/make_format_fixtures.py`.
enum FixtureFiles {
    static let folder = TestPaths.fixtures.appendingPathComponent("formats")

    static func url(_ name: String) -> URL { folder.appendingPathComponent(name) }

    static func bytes(_ name: String) throws -> Data { try Data(contentsOf: url(name)) }

    /// A numpy-written CHW array of expected pixels, as a raster.
    static func expectedRaster(_ name: String) throws -> Raster<UInt8> {
        let array = try NPY.read(url(name))
        return Raster(width: array.shape[2], height: array.shape[1], channels: array.shape[0],
                      pixels: try array.uint8s())
    }

    static func expectedRaster16(_ name: String) throws -> Raster<UInt16> {
        let array = try NPY.read(url(name))
        return Raster(width: array.shape[2], height: array.shape[1], channels: array.shape[0],
                      pixels: try array.int64s().map { UInt16($0) })
    }
}
