import Durable
import Formats
import NN
import Tensor

/// The GRU corrector's shape and its point-gathering settings; stored in its checkpoints.
public struct GRUCorrectorConfig: Codable, Equatable, Sendable, CustomStringConvertible {
    /// K: points per set (uncertain, error), so each round reads and writes 2K points.
    public var pointsPerSet: Int
    /// GRU hidden features.
    public var hiddenSize: Int
    /// τ: uncertain pixels have τ < p < 1 − τ.
    public var uncertaintyMargin: Float
    /// r, in grid pixels: error points lie within r of a click.
    public var radius: Int
    /// Longest side of the correction grid; the image's aspect ratio is kept.
    public var gridSide: Int

    /// The defaults: K = 200, hidden 256, τ = 0.1; r = 8 on a 256-pixel grid, a disc of
    /// about 200 pixels, so one click's error set roughly fills its K slots.
    public init(pointsPerSet: Int = 200, hiddenSize: Int = 256, uncertaintyMargin: Float = 0.1, radius: Int = 8,
                gridSide: Int = 256) {
        self.pointsPerSet = pointsPerSet
        self.hiddenSize = hiddenSize
        self.uncertaintyMargin = uncertaintyMargin
        self.radius = radius
        self.gridSide = gridSide
    }

    /// 2K.
    public var slots: Int { 2 * pointsPerSet }

    public var description: String {
        "GRUCorrector(K: \(pointsPerSet), hidden: \(hiddenSize), τ: \(uncertaintyMargin), r: \(radius), grid: \(gridSide))"
    }
}

/// What one correction round computed: the points it looked at, their new logits (recorded
/// for gradients when training) and the GRU state to carry into the next round.
public struct CorrectionRound {
    public var points: CorrectionPoints
    /// (2K) new logits, one per slot: the current logit plus the network's change (padding
    /// slots' values are never written).
    public var logits: Tensor
    /// (1, H) hidden state after this round.
    public var hidden: Tensor
}

/// The interactive corrector after SegVol's GRU refinement, on a 2-D grid: each round turns
/// the current mask and the clicks into 2K point features `X_t` (2K × 8, see
/// `CorrectionPoints`), a GRU over rounds folds the flattened `X_t` into its hidden state, and
/// a linear layer over [hidden, flattened coordinates `C_t`] gives 2K new logits written back
/// at the points.
///
/// Two departures from the text:
/// - Each point's logit also gets a term from its own features (`point_head`, one 8 → 1
///   linear shared by all points). Without it, the 256-wide hidden state would have to carry
///   400 per-point decisions through a dense layer from a 3200-wide input; with it, a point's
///   own evidence (its click label, its probability) speaks directly and the recurrent path
///   learns the context.
/// - The network's output is a change to each point's current logit, not the new logit
///   itself, so "leave it" is the zero output. The points see no image, so most uncertain
///   points carry no evidence either way; predicting absolute logits, the first corrector
///   rewrote them towards the training set's average and eroded small lesions round after
///   round (README, "Where the damage was").
public final class GRUCorrector: Module {
    public let config: GRUCorrectorConfig
    /// Input 2K·8, hidden H.
    public let gru: GRUCell
    /// (H + 2K·2) → 2K.
    public let head: Linear
    /// 8 → 1, applied to every point.
    public let point_head: Linear

    /// A corrector with PyTorch-default initialisation from `seed`.
    public init(config: GRUCorrectorConfig, seed: UInt64) {
        self.config = config
        var generator = SeededGenerator(seed: seed)
        let slots = config.slots
        gru = GRUCell(inputSize: slots * CorrectionPoints.featureCount, hiddenSize: config.hiddenSize, generator: &generator)
        head = Linear(inFeatures: config.hiddenSize + slots * 2, outFeatures: slots, generator: &generator)
        point_head = Linear(inFeatures: CorrectionPoints.featureCount, outFeatures: 1, generator: &generator)
    }

    /// The state before the first round.
    public func initialHidden() -> Tensor { gru.initialState(batch: 1) }

    /// One round on the `width`×`height` map of current `logits` with every click so far
    /// (`round` counts from 1).
    public func round(logits: [Float], width: Int, height: Int, clicks: [CorrectionClick], round: Int,
                      hidden: Tensor) -> CorrectionRound {
        let points = CorrectionPoints(probabilities: CorrectionSession.probabilities(logits), width: width, height: height, clicks: clicks,
                                      round: round, pointsPerSet: config.pointsPerSet,
                                      uncertaintyMargin: config.uncertaintyMargin, radius: config.radius)
        let slots = config.slots
        let features = Tensor(points.features, shape: [1, slots * CorrectionPoints.featureCount])
        let coordinates = Tensor(points.coordinates, shape: [1, slots * 2])
        let next = gru(features, hidden: hidden)
        let context = head(Tensor.concatenate([next, coordinates], axis: 1)).reshaped([slots])
        let own = point_head(features.reshaped([slots, CorrectionPoints.featureCount])).reshaped([slots])
        let current = Tensor(points.pixels.map { $0.map { logits[$0] } ?? 0 }, shape: [slots])
        return CorrectionRound(points: points, logits: current + context + own, hidden: next)
    }

    /// `logits` (a row-major grid map) with the round's real points replaced by their new values.
    public static func writeBack(_ round: CorrectionRound, into logits: [Float]) -> [Float] {
        var out = logits
        let values = round.logits.scalars
        for (slot, pixel) in round.points.pixels.enumerated() {
            if let pixel { out[pixel] = values[slot] }
        }
        return out
    }
}

extension GRUCorrector: ModelFamily {
    public static let configMetadataKey = "gru_corrector_config"

    /// The configuration, the one that is trained and shipped.
    public static let presets: [(name: String, config: GRUCorrectorConfig)] = [("default", GRUCorrectorConfig())]

    /// K and H from the tensor shapes; τ, r and the grid side are not in the weights, so they
    /// take their defaults (our files always store the whole config).
    public static func inferConfig(from checkpoint: StateDict) throws -> GRUCorrectorConfig {
        let what = "not a GRU corrector checkpoint"
        let input = try checkpoint.shape(of: "gru.weight_ih", reading: what)
        let hidden = try checkpoint.shape(of: "gru.weight_hh", reading: what)
        guard input.count == 2, hidden.count == 2, input[1] % (2 * CorrectionPoints.featureCount) == 0 else {
            throw FormatError(checkpoint.source, "gru.weight_ih \(input) / gru.weight_hh \(hidden) do not fit a GRU corrector")
        }
        return GRUCorrectorConfig(pointsPerSet: input[1] / (2 * CorrectionPoints.featureCount), hiddenSize: hidden[1])
    }

    public static func build(_ config: GRUCorrectorConfig) throws -> GRUCorrector {
        GRUCorrector(config: config, seed: 0)
    }
}
