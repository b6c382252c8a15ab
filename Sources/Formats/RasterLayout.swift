import Pixels


// libpng works on interleaved rows (RGBRGB...), `Raster` is planar (RRR...GGG...BBB...).

extension Raster {
    /// A planar raster from interleaved height x width x channels samples.
    init(interleaved samples: [Element], width: Int, height: Int, channels: Int) {
        let planeSize = width * height
        let planar = [Element](unsafeUninitializedCapacity: samples.count) { buffer, initialized in
            for index in 0..<planeSize {
                for channel in 0..<channels {
                    (buffer.baseAddress! + channel * planeSize + index)
                        .initialize(to: samples[index * channels + channel])
                }
            }
            initialized = samples.count
        }
        self.init(width: width, height: height, channels: channels, pixels: planar)
    }

    /// The samples interleaved as height x width x channels.
    func interleaved() -> [Element] {
        [Element](unsafeUninitializedCapacity: pixels.count) { buffer, initialized in
            for index in 0..<planeSize {
                for channel in 0..<channels {
                    (buffer.baseAddress! + index * channels + channel)
                        .initialize(to: pixels[channel * planeSize + index])
                }
            }
            initialized = pixels.count
        }
    }
}

extension Raster where Element == UInt8 {
    /// One gray channel. Colour uses PIL's `convert("L")` integer formula, so our gray images
    /// equal what a PIL-based PyTorch pipeline feeds its models; alpha is dropped, as PIL does.
    func grayPIL() -> Raster<UInt8> {
        guard channels >= 3 else { return channels == 1 ? self : plane(0) }
        let size = planeSize
        let gray = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            for index in 0..<size {
                let red = UInt32(pixels[index])
                let green = UInt32(pixels[size + index])
                let blue = UInt32(pixels[2 * size + index])
                buffer[index] = UInt8((red * 19595 + green * 38470 + blue * 7471 + 0x8000) >> 16)
            }
            initialized = size
        }
        return Raster(width: width, height: height, channels: 1, pixels: gray)
    }

    /// Three channels: gray is replicated, alpha dropped.
    func rgb() -> Raster<UInt8> {
        switch channels {
        case 3: return self
        case 4: return Raster(width: width, height: height, channels: 3, pixels: Array(pixels[0..<3 * planeSize]))
        default:
            let gray = pixels[0..<planeSize]
            return Raster(width: width, height: height, channels: 3, pixels: Array([gray, gray, gray].joined()))
        }
    }
}
