/// A planar image: `channels` planes of `height`×`width` row-major pixels (CHW order, as a
/// tensor without the batch axis). Gray images, RGB images, binary masks (0/255 or 0/1) and
/// probability maps are all rasters of different element types.
public struct Raster<Element: Sendable>: Sendable {
    public let width: Int
    public let height: Int
    public let channels: Int
    /// `channels * height * width` values, plane after plane.
    public var pixels: [Element]

    public init(width: Int, height: Int, channels: Int = 1, pixels: [Element]) {
        precondition(width >= 0 && height >= 0 && channels > 0, "invalid raster shape")
        precondition(pixels.count == width * height * channels,
                     "raster of \(channels)x\(height)x\(width) needs \(width * height * channels) pixels, got \(pixels.count)")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    public init(width: Int, height: Int, channels: Int = 1, repeating value: Element) {
        self.init(width: width, height: height, channels: channels,
                  pixels: Array(repeating: value, count: width * height * channels))
    }

    /// Pixels per plane.
    public var planeSize: Int { width * height }

    public subscript(channel: Int, y: Int, x: Int) -> Element {
        get { pixels[(channel * height + y) * width + x] }
        set { pixels[(channel * height + y) * width + x] = newValue }
    }

    /// Single-channel access.
    public subscript(y: Int, x: Int) -> Element {
        get { pixels[y * width + x] }
        set { pixels[y * width + x] = newValue }
    }

    /// One channel as its own single-channel raster.
    public func plane(_ channel: Int) -> Raster<Element> {
        let start = channel * planeSize
        return Raster(width: width, height: height, channels: 1,
                      pixels: Array(pixels[start..<start + planeSize]))
    }

    /// The same pixels with each value transformed.
    public func map<T>(_ transform: (Element) throws -> T) rethrows -> Raster<T> {
        Raster<T>(width: width, height: height, channels: channels, pixels: try pixels.map(transform))
    }
}

extension Raster: Equatable where Element: Equatable {}
