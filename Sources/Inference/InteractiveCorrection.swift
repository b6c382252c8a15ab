import Durable
import Formats
import Foundation
import Pixels
import Refiners
import SegmentAnything
import Tensor

/// One image's correction state on disk, so rounds can run in separate processes (the
/// `correct` command, the daemon): `correction.json` (grid, clicks, round, corrector),
/// `logits.npy` (current grid logits) and `hidden.npy` (the GRU state). The arrays are written
/// first and the JSON last, each atomically, so a state is whole or absent.
public enum CorrectionStore {
    /// The JSON part of a state.
    struct Record: Codable {
        var grid: CorrectionGrid
        var clicks: [CorrectionClick]
        var round: Int
        /// The corrector that produced the state: a state is only continued by the same one.
        var corrector: String
        /// The request whose round made this state (the daemon's points file), so a round
        /// redone after a crash is recognised as applied.
        var request: String?
    }

    static let recordName = "correction.json", logitsName = "logits.npy", hiddenName = "hidden.npy"

    /// The session stored in `folder` and the request that made it, or nil when there is none.
    /// A state of another image size or another corrector is an error naming the folder.
    public static func load(from folder: URL, corrector: GRUCorrector, correctorID: String,
                            imageWidth: Int, imageHeight: Int) throws -> (session: CorrectionSession, request: String?)? {
        let recordFile = folder.appendingPathComponent(recordName)
        guard FileManager.default.fileExists(atPath: recordFile.path) else { return nil }
        let record: Record
        do { record = try JSONDecoder().decode(Record.self, from: Data(contentsOf: recordFile)) } catch {
            throw FormatError(recordFile.path, "not a correction state: \(error)")
        }
        guard record.grid.imageWidth == imageWidth, record.grid.imageHeight == imageHeight else {
            throw FormatError(recordFile.path, "the state is for a \(record.grid.imageWidth)×\(record.grid.imageHeight) image, this one is \(imageWidth)×\(imageHeight)")
        }
        guard record.corrector == correctorID else {
            throw FormatError(recordFile.path, "the state was made by corrector \(record.corrector), not \(correctorID); remove it to start over")
        }
        let logits = try NPY.read(folder.appendingPathComponent(logitsName))
        let hidden = try NPY.read(folder.appendingPathComponent(hiddenName))
        guard logits.shape == [record.grid.height, record.grid.width], hidden.shape == [1, corrector.config.hiddenSize] else {
            throw FormatError(folder.path, "state arrays \(logits.shape) and \(hidden.shape) do not fit the grid \(record.grid.width)×\(record.grid.height) and the corrector")
        }
        var session = CorrectionSession(grid: record.grid, logits: logits.floats(), corrector: corrector)
        session.clicks = record.clicks
        session.round = record.round
        session.hidden = Tensor(hidden.floats(), shape: hidden.shape)
        return (session, record.request)
    }

    /// Writes `session`, made by `request` if named, into `folder` (created if needed).
    public static func save(_ session: CorrectionSession, correctorID: String, request: String? = nil, to folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try NPY.write(NPYArray(float32: session.logits, shape: [session.grid.height, session.grid.width]),
                      to: folder.appendingPathComponent(logitsName))
        try NPY.write(NPYArray(float32: session.hidden.scalars, shape: session.hidden.shape), to: folder.appendingPathComponent(hiddenName))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        let record = Record(grid: session.grid, clicks: session.clicks, round: session.round, corrector: correctorID,
                            request: request)
        try AtomicFile.write(try encoder.encode(record), to: folder.appendingPathComponent(recordName))
    }

    /// Round 0 from a refined foreground probability at the original size (what the chain and
    /// the daemon's `refined/NAME.npy` hold), as logits on the corrector's grid.
    public static func start(probability: [Float], imageWidth: Int, imageHeight: Int, corrector: GRUCorrector) -> CorrectionSession {
        let grid = CorrectionGrid(imageWidth: imageWidth, imageHeight: imageHeight, side: corrector.config.gridSide)
        // Clamped so a saturated probability gives a finite logit (±13.8).
        let logits = grid.onGrid(probability).map { p -> Float in
            let q = min(max(p, 1e-6), 1 - 1e-6)
            return Float(log(Double(q) / Double(1 - q)))
        }
        return CorrectionSession(grid: grid, logits: logits, corrector: corrector)
    }

    /// Runs one round with clicks in original pixels (a points sidecar's), under no gradient.
    public static func correct(_ session: inout CorrectionSession, points: [SAMPrompt.Point], corrector: GRUCorrector) {
        let clicks = points.map { session.grid.click(x: $0.x, y: $0.y, positive: $0.label == .foreground) }
        noGrad { _ = session.correct(with: clicks, corrector: corrector) }
    }
}
