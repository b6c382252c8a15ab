import Imaging
import Pixels
import Testing

@Test func bytesToFloatAppliesTheScale() {
    let bytes = Raster<UInt8>(width: 3, height: 1, pixels: [0, 51, 255])
    #expect(bytes.toFloat().pixels == [0, 51, 255])
    let unit = bytes.toFloat(scale: 1 / 255).pixels
    #expect(zip(unit, [0, 0.2, 1] as [Float]).allSatisfy { abs($0 - $1) <= 1e-7 })
}

@Test func floatToBytesRoundsAndSaturates() {
    let values = Raster<Float>(width: 6, height: 1, pixels: [-3, 0.4, 0.6, 254.5, 300, .nan])
    #expect(values.toUInt8().pixels == [0, 0, 1, 255, 255, 0])
    let unit = Raster<Float>(width: 2, height: 1, pixels: [0.5, 1])
    #expect(unit.toUInt8(scale: 255).pixels == [128, 255])
}

@Test func bytesSurviveARoundTripThroughFloat() {
    let bytes = Raster<UInt8>(width: 256, height: 1, pixels: (0...255).map { UInt8($0) })
    #expect(bytes.toFloat(scale: 1 / 255).toUInt8(scale: 255) == bytes)
}

@Test func grayBecomesThreeIdenticalPlanes() {
    let gray = Raster<UInt8>(width: 2, height: 2, pixels: [1, 2, 3, 4])
    let rgb = gray.toRGB()
    #expect(rgb.channels == 3)
    for c in 0..<3 { #expect(rgb.plane(c) == gray) }
}

@Test func rgbStaysAndAlphaIsDropped() {
    let rgba = Raster<UInt8>(width: 1, height: 2, channels: 4, pixels: [1, 2, 3, 4, 5, 6, 7, 8])
    #expect(rgba.toRGB().pixels == [1, 2, 3, 4, 5, 6])
    let rgb = Raster<UInt8>(width: 1, height: 1, channels: 3, pixels: [9, 8, 7])
    #expect(rgb.toRGB() == rgb)
    let grayAlpha = Raster<UInt8>(width: 2, height: 1, channels: 2, pixels: [10, 20, 255, 0])
    #expect(grayAlpha.toRGB().pixels == [10, 20, 10, 20, 10, 20])
}
