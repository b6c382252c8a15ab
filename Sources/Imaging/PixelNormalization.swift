import Tensor

/// The intensity normalisations the foundation models expect on their input images, applied
/// to (B, 3, H, W) tensors of 0…255 values. Every SAM-family preprocessing names one of these.
public enum PixelNormalization: String, Sendable, Hashable, Codable, CaseIterable {
    /// Segment Anything: `(x − mean) / std` per RGB plane on 0…255 values.
    case sam
    /// MedSAM / LiteMedSAM: `(x − min) / max(max − min, 1e-8)` over the whole image, giving [0, 1].
    case minMax = "minmax"

    /// SAM's per-plane pixel mean (R, G, B), on 0…255 values.
    public static let samMean: [Float] = [123.675, 116.28, 103.53]
    /// SAM's per-plane pixel standard deviation (R, G, B).
    public static let samStd: [Float] = [58.395, 57.12, 57.375]

    /// The normalised images; `.sam` needs three RGB planes on axis 1.
    public func apply(_ images: Tensor) -> Tensor {
        switch self {
        case .sam:
            precondition(images.rank == 4 && images.shape[1] == 3, "SAM normalisation needs (B, 3, H, W), got \(images.shape)")
            let mean = Tensor(Self.samMean, shape: [1, 3, 1, 1])
            let std = Tensor(Self.samStd, shape: [1, 3, 1, 1])
            return (images - mean) / std
        case .minMax:
            let low = images.min(), range = (images.max() - low).clamped(min: 1e-8)
            return (images - low) / range
        }
    }
}
