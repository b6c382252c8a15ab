import Foundation

/// One prepared case as recorded in `cases.json`: where it came from and where it went.
public struct PreparedCase: Sendable, Codable, Equatable {
    /// The case name: the output file stem in `{train,test}/{images,masks}/`.
    public var name: String
    /// The class folder the case came from; nil in the images/masks layout.
    public var className: String?
    /// `train` or `test`.
    public var split: String
    /// Source image, relative to the raw folder.
    public var image: String
    /// Source masks merged by logical OR, relative to the raw folder.
    public var masks: [String]
    /// Image (and mask) size in pixels.
    public var width: Int
    public var height: Int
    /// Foreground pixels in the merged mask.
    public var lesionPixels: Int

    enum CodingKeys: String, CodingKey {
        case name, split, image, masks, width, height, lesionPixels
        case className = "class"
    }
}

/// The content of `splits.json`: the seed, the held-out test cases and the folds.
public struct SplitsRecord: Sendable, Codable, Equatable {
    /// The options the split was made with.
    public var seed: UInt64
    public var testFraction: Double
    /// How the split was stratified (`class`, or `none` for an unlabelled layout).
    public var stratifiedBy: String
    /// Case names, sorted.
    public var train: [String]
    public var test: [String]
    /// Cross-validation folds over `train`; their `val` sets partition it.
    public var folds: [Splits.Fold]
}

/// The content of `cases.json`: every case's provenance and every exclusion.
public struct CasesRecord: Sendable, Codable, Equatable {
    /// The dataset name and the raw layout it was prepared from.
    public var name: String
    public var layout: RawDataset.Layout
    /// The raw folder as given.
    public var source: String
    /// The prepared cases, in raw order (class folder, then stem).
    public var cases: [PreparedCase]
    /// Every raw file not used, with the reason, sorted by file.
    public var excluded: [Exclusion]
}

/// What a preparation run did, for the summary table and for tests.
public struct PreparationReport: Sendable {
    /// The installed dataset folder; nil when nothing usable was found and nothing written.
    public var folder: URL?
    /// What was (or would have been) written to `cases.json` and `splits.json`.
    public var cases: CasesRecord
    public var splits: SplitsRecord?
}
