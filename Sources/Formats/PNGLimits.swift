extension PNG {
    /// Refuses images larger than `maxPixels` before anything is allocated: a small file can
    /// declare a 20000x20000 image (a "PNG bomb") that would otherwise exhaust memory.
    static func checkPixelLimit(_ info: PNGInfo, maxPixels: Int, name: String) throws {
        guard info.pixelCount <= maxPixels else {
            throw FormatError(name, "\(info.width)x\(info.height) = \(info.pixelCount) pixels exceeds the limit of \(maxPixels)")
        }
    }
}
