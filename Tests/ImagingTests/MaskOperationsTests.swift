import Imaging
import Pixels
import Testing

@Test func binarizationIsStrictlyAboveTheThreshold() {
    let values = Raster<UInt8>(width: 4, height: 1, pixels: [0, 1, 127, 128])
    #expect(values.binarized(above: 127).pixels == [0, 0, 0, 255])
    #expect(values.binarized(above: 0, foreground: 1).pixels == [0, 1, 1, 1])
    let probabilities = Raster<Float>(width: 3, height: 1, pixels: [0.2, 0.5, 0.9])
    #expect(probabilities.binarized(above: 0.5).pixels == [0, 0, 255])
}

@Test func unionIsPixelwiseLogicalOr() {
    let a = Raster<UInt8>(width: 4, height: 1, pixels: [0, 255, 0, 255])
    let b = Raster<UInt8>(width: 4, height: 1, pixels: [0, 0, 255, 255])
    #expect(a.union(b).pixels == [0, 255, 255, 255])
}
