import Durable

extension PNG {
    /// Refuses images larger than `maxPixels` before anything is allocated: a small file can
    /// declare a 20000x20000 image (a "PNG bomb") that would otherwise exhaust memory.
    static func checkPixelLimit(_ info: PNGInfo, maxPixels: Int, name: String) throws {
        guard info.pixelCount <= maxPixels else {
            throw FormatError(name, "\(info.width)x\(info.height) = \(info.pixelCount) pixels exceeds the limit of \(maxPixels)")
        }
    }

    /// Refuses files far larger than any PNG of `maxPixels` pixels could be (deflate never
    /// expands by more than a fraction; the slack covers ancillary chunks), so a huge file
    /// named `.png` is not read into memory only to be rejected.
    static func checkFileSize(_ bytes: Int, maxPixels: Int, name: String) throws {
        guard bytes <= 8 * maxPixels + (16 << 20) else {
            throw FormatError(name, "file is \(bytes) bytes, too large for an image of at most \(maxPixels) pixels")
        }
    }
}
