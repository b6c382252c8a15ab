import Formats
import Foundation
import Imaging
import Pixels
import TestSupport
import Testing

/// The blob mask of tools/make_morphology_fixtures.py.
private func fixtureMask() throws -> Raster<UInt8> {
    let array = try NPY.read(TestPaths.fixtures.appendingPathComponent("morphology/blobs_mask.npy"))
    return Raster(width: array.shape[1], height: array.shape[0], pixels: try array.uint8s())
}

@Test func signedDistanceMatchesScipy() throws {
    let mask = try fixtureMask()
    let expected = try NPY.read(TestPaths.fixtures.appendingPathComponent("morphology/blobs_sdf.npy")).floats()
    let phi = SignedDistance.of(mask).pixels
    #expect(phi.count == expected.count)
    #expect(zip(phi, expected).allSatisfy { abs($0 - $1) <= 1e-5 })
}

@Test func componentCountsMatchScipy() throws {
    let mask = try fixtureMask()
    let data = try Data(contentsOf: TestPaths.fixtures.appendingPathComponent("morphology/blobs_components.json"))
    let counts = try JSONDecoder().decode([String: Int].self, from: data)
    #expect(ConnectedComponents(mask, connectivity: .four).count == counts["four"])
    #expect(ConnectedComponents(mask, connectivity: .eight).count == counts["eight"])
}
