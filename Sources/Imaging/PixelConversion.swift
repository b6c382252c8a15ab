import Pixels

extension Raster where Element == UInt8 {
    /// The pixels as `Float`, each multiplied by `scale` (e.g. `1 / 255` for values in [0, 1]).
    public func toFloat(scale: Float = 1) -> Raster<Float> {
        map { Float($0) * scale }
    }
}

extension Raster where Element == Float {
    /// The pixels multiplied by `scale`, rounded to nearest and clamped to 0...255, so that
    /// out-of-range values (e.g. resampling overshoot) saturate instead of trapping.
    public func toUInt8(scale: Float = 1) -> Raster<UInt8> {
        map { value in
            let scaled = (value * scale).rounded()
            // NaN compares false everywhere; map it to 0 rather than trap in UInt8(_:).
            guard scaled > 0 else { return 0 }
            return scaled >= 255 ? 255 : UInt8(scaled)
        }
    }
}

extension Raster {
    /// A three-plane RGB raster: a gray plane is repeated three times (as PIL's
    /// `convert("RGB")` does), an alpha plane is dropped, RGB is returned as it is.
    public func toRGB() -> Raster<Element> {
        switch channels {
        case 3:
            return self
        case 1, 2:
            let gray = pixels[0..<planeSize]
            return Raster(width: width, height: height, channels: 3,
                          pixels: Array(gray) + Array(gray) + Array(gray))
        default:
            return Raster(width: width, height: height, channels: 3,
                          pixels: Array(pixels[0..<3 * planeSize]))
        }
    }
}
