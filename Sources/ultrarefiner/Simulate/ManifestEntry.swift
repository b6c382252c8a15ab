import Imaging

/// One line of `manifest.jsonl`: where a simulated sample's files are and how it was made.
struct ManifestEntry: Encodable {
    var index: Int
    /// The ground truth's mask file (the first of `gtParts` when several were merged).
    var gt: String
    var gtParts: [String]?
    /// Corrupted binary mask (0/255 PNG), relative to the output folder.
    var mask: String
    /// Soft probability (float32 .npy, height × width), relative to the output folder.
    var prob: String
    var dice: Double
    var bucket: QualityBucket
    var modes: [AppliedMode]
    var qualityWeight: Double
    var temperature: Double
    var lesion: Lesion

    /// The ground truth's measurements that conditioned the modes.
    struct Lesion: Encodable {
        var area: Int
        var perimeter: Double
        var circularity: Double
        var components: Int

        init(_ profile: LesionProfile) {
            area = profile.area
            perimeter = profile.perimeter
            circularity = profile.circularity
            components = profile.componentCount
        }
    }

    enum CodingKeys: String, CodingKey {
        case index, gt, gtParts = "gt_parts", mask, prob, dice, bucket, modes
        case qualityWeight = "quality_weight", temperature, lesion
    }
}
