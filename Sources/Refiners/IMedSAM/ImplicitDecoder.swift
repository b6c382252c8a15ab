import NN
import SegmentAnything
import Tensor

/// The sizes and sampling settings of I-MedSAM's implicit decoder.
public struct ImplicitDecoderConfig: Codable, Equatable, Sendable {
    /// Width of both INR MLPs' hidden layers (also the coarse features handed to the fine INR).
    public var hiddenWidth: Int
    /// L in the Fourier encoding γ(p).
    public var fourierFrequencies: Int
    /// Dropout on the coarse INR's hidden layers: regularises training and drives MC-dropout.
    public var dropout: Float
    /// T, the Monte-Carlo dropout passes that estimate each point's uncertainty.
    public var monteCarloPasses: Int
    /// K, the fraction of the most uncertain points the fine INR redoes.
    public var uncertainFraction: Float
    /// Frequencies of γ applied to each point's coordinates in the box's own frame (see
    /// `QueryPoints.boxFeatures`), an input of both INRs; nil for none, as in the paper,
    /// where the box reaches the INR only through its prompt embedding.
    public var boxFrequencies: Int?

    /// The paper's settings (L = 10, T = 8, K = 10 %) at a CPU-sized width, with box
    /// coordinates at 4 frequencies: without them the box only shifts the first layer's bias,
    /// and on BUSI the masks spill far outside it (see the README's I-MedSAM section).
    public init(hiddenWidth: Int = 64, fourierFrequencies: Int = 10, dropout: Float = 0.1,
                monteCarloPasses: Int = 8, uncertainFraction: Float = 0.1, boxFrequencies: Int? = 4) {
        self.hiddenWidth = hiddenWidth
        self.fourierFrequencies = fourierFrequencies
        self.dropout = dropout
        self.monteCarloPasses = monteCarloPasses
        self.uncertainFraction = uncertainFraction
        self.boxFrequencies = boxFrequencies
    }
}

/// What the implicit decoder says about a set of query points.
public struct ImplicitPrediction {
    /// (P) the coarse INR's logits.
    public var coarseLogits: Tensor
    /// (P) the answer: the coarse logits with the fine INR's in place at `uncertain`.
    public var logits: Tensor
    /// (P) the variance of the foreground probability over the MC-dropout passes.
    public var variance: Tensor
    /// The points the fine INR redid, most uncertain first.
    public var uncertain: [Int]
}

/// I-MedSAM's implicit (INR) mask decoder: a continuous function of a query point p ∈ [0, 1]²,
/// given the image embedding and a box prompt.
///
/// - Input per point: the encoder features bilinearly sampled at p, γ(p) with L frequencies,
///   the box's sparse prompt embedding (its two corner tokens), and (when the config says) γ
///   of p in the box's own frame.
/// - Coarse INR: an MLP from those to a logit and hidden features.
/// - Uncertainty: T passes of the coarse INR's dropout layers (MC dropout); the variance of the
///   foreground probability ranks the points, and the top K % go on.
/// - Fine INR: an MLP of the coarse features, the features and γ(p) at those points; its
///   logits replace the coarse ones there.
///
/// The first layer of each MLP is split by input: its feature part is applied to the
/// embedding grid before sampling (a linear map commutes with bilinear interpolation, whose
/// weights sum to one), so it costs E² rows instead of one per point; the prompt part is one
/// row shared by all points. Same function, far fewer multiply-adds at high output sizes.
public final class ImplicitDecoder: Module {
    public let coarse_feature: Linear
    public let coarse_position: Linear
    public let coarse_prompt: Linear
    public let coarse_hidden: Linear
    public let coarse_out: Linear
    public let fine_feature: Linear
    public let fine_position: Linear
    public let fine_coarse: Linear
    public let fine_hidden: Linear
    public let fine_out: Linear
    /// The box-frame coordinates' part of each INR's first layer (nil without them).
    public let coarse_box: Linear?
    public let fine_box: Linear?
    /// The coarse INR's dropout in training (MC passes draw their own masks, see `callAsFunction`).
    public let dropout: Dropout
    /// The decoder's sizes.
    public let config: ImplicitDecoderConfig

    /// A fresh decoder for `embeddingChannels`-wide embeddings and `promptTokens` sparse tokens
    /// of `promptChannels` (a box: two corner tokens of 256).
    public init(config: ImplicitDecoderConfig, embeddingChannels: Int = SAMConfig.promptEmbedDim,
                promptTokens: Int = 2, promptChannels: Int = SAMConfig.promptEmbedDim, generator: inout SeededGenerator) {
        precondition(config.hiddenWidth > 0 && config.fourierFrequencies >= 0 && config.monteCarloPasses >= 2
                     && config.uncertainFraction >= 0 && config.uncertainFraction <= 1 && (config.boxFrequencies ?? 0) >= 0,
                     "implicit decoder settings out of range: \(config)")
        let h = config.hiddenWidth, position = 2 + 4 * config.fourierFrequencies
        coarse_feature = Linear(inFeatures: embeddingChannels, outFeatures: h, generator: &generator)
        coarse_position = Linear(inFeatures: position, outFeatures: h, bias: false, generator: &generator)
        coarse_prompt = Linear(inFeatures: promptTokens * promptChannels, outFeatures: h, bias: false, generator: &generator)
        coarse_hidden = Linear(inFeatures: h, outFeatures: h, generator: &generator)
        coarse_out = Linear(inFeatures: h, outFeatures: 1, generator: &generator)
        fine_feature = Linear(inFeatures: embeddingChannels, outFeatures: h, generator: &generator)
        fine_position = Linear(inFeatures: position, outFeatures: h, bias: false, generator: &generator)
        fine_coarse = Linear(inFeatures: h, outFeatures: h, bias: false, generator: &generator)
        fine_hidden = Linear(inFeatures: h, outFeatures: h, generator: &generator)
        fine_out = Linear(inFeatures: h, outFeatures: 1, generator: &generator)
        let boxWidth = config.boxFrequencies.map { 2 + 4 * $0 }
        coarse_box = boxWidth.map { Linear(inFeatures: $0, outFeatures: h, bias: false, generator: &generator) }
        fine_box = boxWidth.map { Linear(inFeatures: $0, outFeatures: h, bias: false, generator: &generator) }
        dropout = Dropout(config.dropout, seed: generator.next())
        self.config = config
    }

    /// Points per pass when no gradient is recorded: bounds the activations held at once when
    /// predicting at a whole image's pixels (a 600×500 image is 300 000 points).
    static let inferenceChunk = 16_384

    /// Predicts at `points` from one image's `embedding` (1, C, E, E), its box prompt's
    /// sparse embedding (1, tokens, C) and the box itself (x₁, y₁, x₂, y₂ as fractions of the
    /// encoder input's side; read only when the config has box coordinates). `seed` fixes the
    /// MC-dropout masks, so a prediction is reproducible.
    ///
    /// Recording gradients, every point goes through in one pass. Without (inference), the
    /// coarse INR and its MC passes run in chunks, and the coarse features of the chosen points
    /// are computed again for the fine INR rather than kept for every point; in evaluation mode
    /// (dropout off) that is the same function.
    public func callAsFunction(embedding: Tensor, prompt: Tensor, box: [Float], points: QueryPoints, seed: UInt64) -> ImplicitPrediction {
        precondition(embedding.rank == 4 && embedding.shape[0] == 1 && embedding.shape[2] == embedding.shape[3],
                     "the implicit decoder takes one square (1, C, E, E) embedding, got \(embedding.shape)")
        precondition(prompt.shape[0] == 1, "one prompt per image, got \(prompt.shape)")
        precondition(points.count > 0, "no query points")
        let grid = FeatureGrid(decoder: self, embedding: embedding, prompt: prompt, box: box)
        let recording = GradMode.isEnabled
        let chunk = recording ? points.count : Self.inferenceChunk
        var logits: [Tensor] = [], variances: [Tensor] = [], features: [Tensor] = []
        for start in stride(from: 0, to: points.count, by: chunk) {
            let part = chunk >= points.count ? points : points.subset(Array(start..<min(start + chunk, points.count)))
            let first = grid.coarseFirstLayer(part)
            let coarse = coarseHead(first) { dropout($0) }
            logits.append(coarse.logits)
            if recording { features.append(coarse.features) }
            variances.append(monteCarloVariance(first.detached(), seed: seed &+ UInt64(start)))
        }
        let coarseLogits = logits.count == 1 ? logits[0] : Tensor.concatenate(logits, axis: 0)
        let variance = variances.count == 1 ? variances[0] : Tensor.concatenate(variances, axis: 0)
        let uncertain = Self.mostUncertain(variance, fraction: config.uncertainFraction)
        guard !uncertain.isEmpty else {
            return ImplicitPrediction(coarseLogits: coarseLogits, logits: coarseLogits, variance: variance, uncertain: [])
        }
        let chosen = points.subset(uncertain)
        let chosenFeatures = recording ? features[0].indexSelect(axis: 0, uncertain)
            : coarseHead(grid.coarseFirstLayer(chosen)) { dropout($0) }.features
        let fineLogits = grid.fine(features: chosenFeatures, points: chosen)
        return ImplicitPrediction(coarseLogits: coarseLogits,
                                  logits: Self.replacing(coarseLogits, at: uncertain, with: fineLogits),
                                  variance: variance, uncertain: uncertain)
    }

    /// One image's inputs with the first layers' per-image parts done once: the embedding
    /// projected for both INRs (before sampling) and the prompt's row.
    struct FeatureGrid {
        let decoder: ImplicitDecoder
        let side: Int
        let coarseMap: Tensor
        let fineMap: Tensor
        let promptRow: Tensor
        let box: [Float]

        init(decoder: ImplicitDecoder, embedding: Tensor, prompt: Tensor, box: [Float]) {
            self.decoder = decoder
            self.box = box
            side = embedding.shape[2]
            let tokens = embedding.reshaped([embedding.shape[1], side * side]).transposed()
            coarseMap = decoder.coarse_feature(tokens)
            fineMap = decoder.fine_feature(tokens)
            promptRow = decoder.coarse_prompt(prompt.reshaped([1, -1]))
        }

        /// (P, h) activations of the coarse INR's first layer.
        func coarseFirstLayer(_ points: QueryPoints) -> Tensor {
            let gamma = points.fourierFeatures(frequencies: decoder.config.fourierFrequencies)
            let first = points.sampled(from: coarseMap, side: side) + decoder.coarse_position(gamma) + promptRow
            return (boxTerm(decoder.coarse_box, points).map { first + $0 } ?? first).gelu()
        }

        /// A first layer's box-coordinate part at `points`, if the decoder has one.
        func boxTerm(_ layer: Linear?, _ points: QueryPoints) -> Tensor? {
            guard let layer, let frequencies = decoder.config.boxFrequencies else { return nil }
            return layer(points.boxFeatures(box: box, frequencies: frequencies))
        }

        /// The fine INR's logits at `points`, given their coarse features.
        func fine(features: Tensor, points: QueryPoints) -> Tensor {
            let gamma = points.fourierFeatures(frequencies: decoder.config.fourierFrequencies)
            let first = points.sampled(from: fineMap, side: side) + decoder.fine_position(gamma) + decoder.fine_coarse(features)
            let hidden = (boxTerm(decoder.fine_box, points).map { first + $0 } ?? first).gelu()
            return decoder.fine_out(decoder.fine_hidden(hidden).gelu()).reshaped([-1])
        }
    }

    /// The coarse INR after its first layer: (P, h) activations → (P) logits and the (P, h)
    /// hidden features, with `drop` applied before each of the last two layers.
    func coarseHead(_ first: Tensor, drop: (Tensor) -> Tensor) -> (logits: Tensor, features: Tensor) {
        let features = coarse_hidden(drop(first)).gelu()
        return (coarse_out(drop(features)).reshaped([-1]), features)
    }

    /// Per point, the variance over T passes of σ(coarse logit) with fresh dropout masks
    /// (`F.dropout` in training mode, whatever the module's mode), population form (÷T).
    func monteCarloVariance(_ first: Tensor, seed: UInt64) -> Tensor {
        noGrad {
            var generator = SeededGenerator(seed: seed)
            let p = config.dropout
            let passes = (0..<config.monteCarloPasses).map { _ in
                coarseHead(first) { $0.dropout(p, mode: .monteCarlo, generator: &generator) }.logits.sigmoid()
            }
            return Tensor.stack(passes, axis: 0).variance(axis: 0, unbiased: false)
        }
    }

    /// The ⌈fraction·P⌉ indices of the largest variances (at least one when fraction > 0),
    /// largest first, ties to the lower index.
    static func mostUncertain(_ variance: Tensor, fraction: Float) -> [Int] {
        let values = variance.scalars
        let k = fraction > 0 ? min(values.count, max(1, Int((Float(values.count) * fraction).rounded(.up)))) : 0
        return values.indices.sorted { values[$0] > values[$1] || (values[$0] == values[$1] && $0 < $1) }
            .prefix(k).map { $0 }
    }

    /// `base` (P) with `replacement[j]` at `indices[j]`, differentiable in both: one gather
    /// from their concatenation.
    static func replacing(_ base: Tensor, at indices: [Int], with replacement: Tensor) -> Tensor {
        guard !indices.isEmpty else { return base }
        var source = Array(0..<base.count)
        for (j, i) in indices.enumerated() { source[i] = base.count + j }
        return Tensor.concatenate([base, replacement], axis: 0).indexSelect(axis: 0, source)
    }

    /// I-MedSAM's loss: `0.5·BCE + 0.5·Dice` on the coarse logits, weighted by
    /// `coarseWeight` (decayed linearly over training), plus the same on the refined logits.
    public static func loss(_ prediction: ImplicitPrediction, targets: Tensor, coarseWeight: Float)
        -> (total: Tensor, coarse: Tensor, refined: Tensor) {
        let coarse = segmentationLoss(prediction.coarseLogits, targets: targets)
        let refined = segmentationLoss(prediction.logits, targets: targets)
        return (coarse * coarseWeight + refined, coarse, refined)
    }

    /// `0.5·BCE-with-logits + 0.5·soft Dice` of (P) logits against (P) {0, 1} targets.
    static func segmentationLoss(_ logits: Tensor, targets: Tensor) -> Tensor {
        let bce = Losses.binaryCrossEntropyWithLogits(logits, targets: targets)
        let dice = Losses.binaryDice(probabilities: logits.sigmoid().reshaped([1, -1]), targets: targets.reshaped([1, -1]))
        return bce * 0.5 + dice * 0.5
    }
}
