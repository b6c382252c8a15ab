import Pixels

/// The intensity normalisations the foundation models expect on their input images.
public enum PixelNormalization: Sendable, Equatable {
    /// Segment Anything: `(x - mean) / std` per RGB plane on 0...255 values.
    case sam
    /// MedSAM: `(x - min) / max(max - min, 1e-8)` over the whole image, giving [0, 1].
    case minMax

    /// SAM's per-plane pixel mean (R, G, B), on 0...255 values.
    public static let samMean: [Float] = [123.675, 116.28, 103.53]
    /// SAM's per-plane pixel standard deviation (R, G, B).
    public static let samStd: [Float] = [58.395, 57.12, 57.375]

    /// The normalised image. `.sam` needs a three-plane RGB raster (see `Raster.toRGB()`).
    public func apply(_ image: Raster<Float>) -> Raster<Float> {
        switch self {
        case .sam:
            precondition(image.channels == 3, "SAM normalisation needs 3 RGB planes, got \(image.channels)")
            var result = image
            for c in 0..<3 {
                let mean = Self.samMean[c], std = Self.samStd[c]
                for i in c * image.planeSize..<(c + 1) * image.planeSize {
                    result.pixels[i] = (image.pixels[i] - mean) / std
                }
            }
            return result
        case .minMax:
            guard let low = image.pixels.min(), let high = image.pixels.max() else { return image }
            let range = max(high - low, 1e-8)
            return image.map { ($0 - low) / range }
        }
    }
}
