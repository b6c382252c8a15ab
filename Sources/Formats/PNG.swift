import Durable
import Foundation
import Pixels

/// PNG files through libpng: every colour type and bit depth is read, images of 1-4 channels
/// are written at 8 or 16 bits. Results are planar `Raster`s; every failure is a
/// `FormatError` naming the file.
public enum PNG {
    /// Largest image (width x height) decoded unless the caller says otherwise: 64 Mi pixels,
    /// far above any ultrasound frame yet small enough that a hostile header cannot exhaust memory.
    public static let defaultMaxPixels = 64 << 20

    /// How much of a file `info` reads first; the chunks before the image data fit easily.
    private static let headerPrefix = 1 << 20

    // MARK: Header

    /// The header of a PNG file, reading only the chunks before the image data.
    public static func info(_ url: URL) throws -> PNGInfo {
        let prefix = try FileBytes.read(url, limit: headerPrefix)
        if case .parsed(let info) = try LibPNG.header(prefix, name: url.path) { return info }
        // Large ancillary chunks (an embedded ICC profile, text) can push IDAT further in.
        if prefix.count < (try FileBytes.size(url)) { return try info(FileBytes.read(url), name: url.path) }
        return try info(prefix, name: url.path)
    }

    /// The header of an in-memory PNG; `name` identifies it in errors.
    public static func info(_ data: Data, name: String) throws -> PNGInfo {
        guard case .parsed(let info) = try LibPNG.header(data, name: name) else {
            throw FormatError(name, "cannot decode PNG: the file ends before its image data (truncated)")
        }
        return info
    }

    // MARK: Reading

    /// The image with its own channels (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA; palettes expand
    /// to RGB or RGBA), 8 bits per sample; 16-bit samples are scaled with rounding.
    public static func read(_ url: URL, maxPixels: Int = defaultMaxPixels) throws -> Raster<UInt8> {
        try decode(boundedBytes(url, maxPixels: maxPixels), name: url.path, maxPixels: maxPixels)
    }

    /// The image as one gray channel (PIL's `convert("L")` for colour, alpha dropped).
    public static func readGray(_ url: URL, maxPixels: Int = defaultMaxPixels) throws -> Raster<UInt8> {
        try read(url, maxPixels: maxPixels).grayPIL()
    }

    /// The image as three RGB channels (gray replicated, alpha dropped).
    public static func readRGB(_ url: URL, maxPixels: Int = defaultMaxPixels) throws -> Raster<UInt8> {
        try read(url, maxPixels: maxPixels).rgb()
    }

    /// The image with its own channels at 16 bits per sample; lower depths are scaled up
    /// exactly (an 8-bit value v becomes v * 257).
    public static func read16(_ url: URL, maxPixels: Int = defaultMaxPixels) throws -> Raster<UInt16> {
        try decode16(boundedBytes(url, maxPixels: maxPixels), name: url.path, maxPixels: maxPixels)
    }

    /// `read` for a PNG already in memory; `name` identifies it in errors.
    public static func decode(_ data: Data, name: String, maxPixels: Int = defaultMaxPixels) throws -> Raster<UInt8> {
        try decodeRaster(data, name: name, maxPixels: maxPixels)
    }

    /// `read16` for a PNG already in memory; `name` identifies it in errors.
    public static func decode16(_ data: Data, name: String, maxPixels: Int = defaultMaxPixels) throws -> Raster<UInt16> {
        try decodeRaster(data, name: name, maxPixels: maxPixels)
    }

    /// The file's bytes, once its size is plausible for `maxPixels` pixels.
    private static func boundedBytes(_ url: URL, maxPixels: Int) throws -> Data {
        try checkFileSize(FileBytes.size(url), maxPixels: maxPixels, name: url.path)
        return try FileBytes.read(url)
    }

    private static func decodeRaster<Sample: FixedWidthInteger & Sendable>(
        _ data: Data, name: String, maxPixels: Int
    ) throws -> Raster<Sample> {
        let info = try info(data, name: name)
        try checkPixelLimit(info, maxPixels: maxPixels, name: name)
        let samples = try LibPNG.decode(data, info: info, maxPixels: maxPixels, name: name, as: Sample.self)
        return Raster(interleaved: samples, width: info.width, height: info.height, channels: info.channels)
    }

    // MARK: Writing

    /// Writes an 8-bit image (1-4 channels: gray, gray+alpha, RGB, RGBA) atomically.
    public static func write(_ image: Raster<UInt8>, to url: URL) throws {
        try AtomicFile.write(encode(image, name: url.path), to: url)
    }

    /// Writes a 16-bit image (1-4 channels) atomically.
    public static func write(_ image: Raster<UInt16>, to url: URL) throws {
        try AtomicFile.write(encode(image, name: url.path), to: url)
    }

    /// The PNG bytes of an 8-bit image; `name` identifies it in errors.
    public static func encode(_ image: Raster<UInt8>, name: String = "<in-memory PNG>") throws -> Data {
        try encodeRaster(image, name: name)
    }

    /// The PNG bytes of a 16-bit image; `name` identifies it in errors.
    public static func encode(_ image: Raster<UInt16>, name: String = "<in-memory PNG>") throws -> Data {
        try encodeRaster(image, name: name)
    }

    private static func encodeRaster<Sample: FixedWidthInteger>(_ image: Raster<Sample>, name: String) throws -> Data {
        guard (1...4).contains(image.channels) else {
            throw FormatError(name, "a PNG holds 1 to 4 channels, the image has \(image.channels)")
        }
        guard image.width > 0, image.height > 0, image.width <= Int(Int32.max), image.height <= Int(Int32.max) else {
            throw FormatError(name, "cannot write a \(image.width)x\(image.height) image as PNG")
        }
        return try LibPNG.encode(image.interleaved(), width: image.width, height: image.height,
                                 channels: image.channels, name: name)
    }
}
