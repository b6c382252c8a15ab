import Durable
import Formats
import Foundation
import Imaging
import Pixels

/// One evaluated image: its name and the metrics of both stages against its ground truth.
public struct EvaluatedCase: Sendable, Equatable {
    public var name: String
    public var coarse: SegmentationMetrics
    public var refined: SegmentationMetrics

    public init(name: String, coarse: SegmentationMetrics, refined: SegmentationMetrics) {
        self.name = name
        self.coarse = coarse
        self.refined = refined
    }

    /// Refined minus coarse Dice.
    public var diceDelta: Double { refined.dice - coarse.dice }
}

/// An image that could not be evaluated, and why.
public struct EvaluationFailure: Sendable, Equatable {
    public var name: String
    public var reason: String

    public init(name: String, reason: String) {
        self.name = name
        self.reason = reason
    }
}

/// The evaluation of a chain over a set of images, collected one image at a time and written
/// as `metrics.csv`, `summary.md` and four figures (`scatter_dice.png`,
/// `delta_histogram.png`, `cases_worst.png`, `cases_improved.png`).
///
/// Only the metrics of every image are kept; of the pictures, only small tiles of the images
/// that currently rank among the worst refined or the most improved, so a large test set costs
/// no more memory than sixteen tiles.
public struct EvaluationReport: Sendable {
    /// Cases shown in each grid.
    public static let gridCount = 8
    /// A Dice change larger than this counts an image as better or worse in the summary.
    public static let changeThreshold = 0.05
    /// The files `write(to:)` produces.
    public static let fileNames = ["metrics.csv", "summary.md", "scatter_dice.png", "delta_histogram.png",
                                   "cases_worst.png", "cases_improved.png"]

    /// Side of a grid tile in pixels.
    public let tileSide: Int
    /// What produced the masks (model files, split), listed at the top of `summary.md`.
    public var provenance: [String]
    /// Every evaluated image, in the order added.
    public private(set) var cases: [EvaluatedCase] = []
    /// Every image that could not be evaluated, in the order added.
    public private(set) var failures: [EvaluationFailure] = []
    /// The lowest refined Dice so far, lowest first, with their tiles.
    private(set) var worst: [CaseTile] = []
    /// The largest Dice gains so far, largest first, with their tiles.
    private(set) var improved: [CaseTile] = []

    public init(tileSide: Int = 160, provenance: [String] = []) {
        precondition(tileSide >= 16, "tiles need at least 16 pixels")
        self.tileSide = tileSide
        self.provenance = provenance
    }

    /// Measures both masks of one image against its ground truth and adds the result. All
    /// rasters are single-channel and the size of `image`; masks are nonzero for lesion.
    @discardableResult
    public mutating func add(name: String, image: Raster<UInt8>, truth: Raster<UInt8>,
                             coarse: Raster<UInt8>, refined: Raster<UInt8>) -> EvaluatedCase {
        let evaluated = EvaluatedCase(name: name, coarse: SegmentationMetrics(prediction: coarse, groundTruth: truth),
                                      refined: SegmentationMetrics(prediction: refined, groundTruth: truth))
        add(evaluated, image: image, truth: truth, coarse: coarse, refined: refined)
        return evaluated
    }

    /// Adds an image whose metrics are already known; the rasters are used only if the image
    /// enters one of the grids.
    public mutating func add(_ evaluated: EvaluatedCase, image: Raster<UInt8>, truth: Raster<UInt8>,
                             coarse: Raster<UInt8>, refined: Raster<UInt8>) {
        cases.append(evaluated)
        // The tile is drawn at most once, and only when the image ranks in a grid.
        var tile: CaseTile?
        let side = tileSide  // read before `offer` holds `self` for writing
        func makeTile() -> CaseTile {
            if let tile { return tile }
            let made = CaseTile(evaluated, image: image, truth: truth, coarse: coarse, refined: refined, side: side)
            tile = made
            return made
        }
        Self.offer(evaluated, to: &worst, makeTile) { a, b in
            a.refined.dice != b.refined.dice ? a.refined.dice < b.refined.dice : a.name < b.name
        }
        Self.offer(evaluated, to: &improved, makeTile) { a, b in
            a.diceDelta != b.diceDelta ? a.diceDelta > b.diceDelta : a.name < b.name
        }
    }

    /// Records an image that could not be evaluated.
    public mutating func addFailure(name: String, reason: String) {
        failures.append(EvaluationFailure(name: name, reason: reason))
    }

    /// Mean overlap metrics of both stages over the evaluated images.
    public var comparison: CoarseRefinedComparison {
        CoarseRefinedComparison(coarse: cases.map(\.coarse), refined: cases.map(\.refined))
    }

    /// The names in the worst-refined grid, worst first.
    public var worstNames: [String] { worst.map(\.evaluated.name) }
    /// The names in the most-improved grid, largest gain first.
    public var improvedNames: [String] { improved.map(\.evaluated.name) }

    /// Images whose Dice rose by more than `changeThreshold`, fell by more, and the rest.
    public var changeCounts: (better: Int, worse: Int, unchanged: Int) {
        let better = cases.filter { $0.diceDelta > Self.changeThreshold }.count
        let worse = cases.filter { $0.diceDelta < -Self.changeThreshold }.count
        return (better, worse, cases.count - better - worse)
    }

    /// Writes every report file into `folder` (created if needed), each atomically.
    public func write(to folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try AtomicFile.write(Data(metricsCSV.utf8), to: folder.appendingPathComponent("metrics.csv"))
        try AtomicFile.write(Data(summaryMarkdown.utf8), to: folder.appendingPathComponent("summary.md"))
        let figures = EvaluationFigures(cases: cases)
        try PNG.write(figures.diceScatter(), to: folder.appendingPathComponent("scatter_dice.png"))
        try PNG.write(figures.deltaHistogram(), to: folder.appendingPathComponent("delta_histogram.png"))
        try PNG.write(EvaluationFigures.grid(worst, title: "LOWEST REFINED DICE", tileSide: tileSide),
                      to: folder.appendingPathComponent("cases_worst.png"))
        try PNG.write(EvaluationFigures.grid(improved, title: "MOST IMPROVED BY REFINEMENT", tileSide: tileSide),
                      to: folder.appendingPathComponent("cases_improved.png"))
    }

    /// Keeps `list` the best `gridCount` cases by `ranksBefore`, inserting `evaluated` if it
    /// belongs there.
    private static func offer(_ evaluated: EvaluatedCase, to list: inout [CaseTile], _ tile: () -> CaseTile,
                              ranksBefore: (EvaluatedCase, EvaluatedCase) -> Bool) {
        if list.count == gridCount, let last = list.last, !ranksBefore(evaluated, last.evaluated) { return }
        let position = list.firstIndex { ranksBefore(evaluated, $0.evaluated) } ?? list.count
        list.insert(tile(), at: position)
        if list.count > gridCount { list.removeLast() }
    }
}
