import Pixels

extension Raster where Element: Comparable {
    /// A binary mask: `foreground` (255 or 1) where a pixel is strictly above `threshold`,
    /// 0 elsewhere. Strictly above, so that a 0/255 mask thresholded at 0 stays itself.
    public func binarized(above threshold: Element, foreground: UInt8 = 255) -> Raster<UInt8> {
        map { $0 > threshold ? foreground : 0 }
    }
}

extension Raster where Element == UInt8 {
    /// The pixel-wise maximum of two equally shaped rasters: the logical OR of binary masks
    /// (BUSI stores extra lesions of one image as separate mask files).
    public func union(_ other: Raster<UInt8>) -> Raster<UInt8> {
        precondition(width == other.width && height == other.height && channels == other.channels,
                     "union of rasters with different shapes")
        return Raster(width: width, height: height, channels: channels,
                      pixels: zip(pixels, other.pixels).map { max($0, $1) })
    }
}
