import Foundation
import Imaging
import Pixels
import SegmentAnything
import Tensor

/// Where an image's correction happens: a grid with the image's aspect ratio whose longest
/// side is the corrector's `gridSide` (for LiteMedSAM, exactly the content region of its
/// 256² low-resolution mask, so its logits need no resampling), and the mappings from and to
/// original pixels.
public struct CorrectionGrid: Sendable, Equatable, Codable {
    /// The grid's size.
    public var width: Int, height: Int
    /// The original image's size.
    public var imageWidth: Int, imageHeight: Int

    /// The grid for a `imageWidth`×`imageHeight` image, longest side `side`, rounded as SAM's
    /// longest-side preprocessing rounds.
    public init(imageWidth: Int, imageHeight: Int, side: Int) {
        let content = SAMPreprocessing.liteMedSAM.contentSize(height: imageHeight, width: imageWidth, side: side)
        (width, height, self.imageWidth, self.imageHeight) = (content.w, content.h, imageWidth, imageHeight)
    }

    /// The grid pixel holding the original-image point (x, y), clamped onto the grid.
    public func click(x: Double, y: Double, positive: Bool) -> CorrectionClick {
        let gx = Int((x * Double(width) / Double(imageWidth)).rounded(.down))
        let gy = Int((y * Double(height) / Double(imageHeight)).rounded(.down))
        return CorrectionClick(x: min(max(gx, 0), width - 1), y: min(max(gy, 0), height - 1), positive: positive)
    }

    /// A map at the original size (row-major) brought onto the grid by bilinear resampling.
    public func onGrid(_ map: [Float]) -> [Float] {
        precondition(map.count == imageWidth * imageHeight, "CorrectionGrid: map of \(map.count) values for a \(imageWidth)×\(imageHeight) image")
        return Tensor(map, shape: [1, 1, imageHeight, imageWidth])
            .interpolated(size: Size2D(height, width), mode: .bilinear(alignCorners: false)).scalars
    }

    /// A mask at the original size brought onto the grid (area resampling, then half coverage).
    public func onGrid(_ mask: Raster<UInt8>) -> [Bool] {
        AreaResample.resized(mask, width: width, height: height).pixels.map { $0 >= 128 }
    }

    /// Grid logits at the original size, resampled as SAM's postprocessing resamples its
    /// low-resolution logits (bilinear, no antialiasing).
    public func atImageSize(_ logits: [Float]) -> [Float] {
        Tensor(logits, shape: [1, 1, height, width])
            .interpolated(size: Size2D(imageHeight, imageWidth), mode: .bilinear(alignCorners: false)).scalars
    }

    /// LiteMedSAM's low-resolution logits (side × side, the image top-left) cropped to the
    /// image and brought onto the grid.
    public func onGrid(lowRes: Tensor, input: SAMInput) -> [Float] {
        let content = input.frame.contentOnMaskGrid
        let cropped = lowRes.reshaped([1, 1, lowRes.shape[lowRes.rank - 2], lowRes.shape[lowRes.rank - 1]])
            .slice(axis: 2, 0, content.h).slice(axis: 3, 0, content.w)
        return (content.h == height && content.w == width) ? cropped.scalars
            : cropped.interpolated(size: Size2D(height, width), mode: .bilinear(alignCorners: false)).scalars
    }
}

/// One image's interaction so far: the grid logits of the current mask, every click, the
/// round count and the GRU state. Round 0 is the mask the session starts from.
public struct CorrectionSession {
    public let grid: CorrectionGrid
    /// Current logits on the grid, row-major.
    public var logits: [Float]
    /// Every click so far, on the grid, in order.
    public var clicks: [CorrectionClick] = []
    /// Rounds run so far (0 before the first correction).
    public var round = 0
    /// (1, H) GRU state; recorded through the rounds when gradients are on.
    public var hidden: Tensor

    /// A session starting from round-0 `logits` on `grid`.
    public init(grid: CorrectionGrid, logits: [Float], corrector: GRUCorrector) {
        precondition(logits.count == grid.width * grid.height, "CorrectionSession: \(logits.count) logits for a \(grid.width)×\(grid.height) grid")
        self.grid = grid
        self.logits = logits
        hidden = corrector.initialHidden()
    }

    /// Current foreground probabilities on the grid.
    public var probabilities: [Float] { Self.probabilities(logits) }

    /// Foreground probabilities of logits, value by value (the logistic function).
    static func probabilities(_ logits: [Float]) -> [Float] { logits.map { 1 / (1 + exp(-$0)) } }

    /// The current mask on the grid (logit above 0).
    public var mask: [Bool] { logits.map { $0 > 0 } }

    /// The current foreground probability at the original size, row-major.
    public var imageProbability: [Float] { Self.probabilities(grid.atImageSize(logits)) }

    /// The current mask at the original size, 0/255.
    public var imageMask: Raster<UInt8> {
        Raster(width: grid.imageWidth, height: grid.imageHeight, pixels: grid.atImageSize(logits).map { $0 > 0 ? 255 : 0 })
    }

    /// Runs one round with `newClicks` added: the points are gathered, rewritten and the state
    /// moves on. Returns the round (for a training loss).
    @discardableResult
    public mutating func correct(with newClicks: [CorrectionClick], corrector: GRUCorrector) -> CorrectionRound {
        clicks += newClicks
        round += 1
        let result = corrector.round(logits: logits, width: grid.width, height: grid.height, clicks: clicks,
                                     round: round, hidden: hidden)
        logits = GRUCorrector.writeBack(result, into: logits)
        hidden = result.hidden
        return result
    }
}
