/// How a PNG file stores its colours (the IHDR colour type).
public enum PNGColorType: Int, Sendable, CaseIterable {
    case gray = 0
    case rgb = 2
    case palette = 3
    case grayAlpha = 4
    case rgba = 6
}

/// A PNG's header, read without decompressing any pixels, so callers can refuse an image
/// (too large, wrong kind) before paying for it.
public struct PNGInfo: Sendable, Equatable {
    /// Pixels per row.
    public let width: Int
    /// Rows.
    public let height: Int
    /// Bits per sample in the file (1, 2, 4, 8 or 16; for palettes, bits per index).
    public let bitDepth: Int
    /// How the file stores colour.
    public let colorType: PNGColorType
    /// Channels `PNG.read` returns: palettes expand to RGB and a tRNS chunk to an alpha channel.
    public let channels: Int
    /// Adam7-interlaced (decoded transparently, a little slower).
    public let interlaced: Bool
    /// The file has a tRNS chunk (transparency for a palette or a single key colour).
    public let hasTransparency: Bool

    /// Pixels per channel, computed without overflow for any 31-bit PNG size.
    public var pixelCount: Int { width * height }
}
