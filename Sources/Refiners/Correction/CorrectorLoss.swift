import NN
import Tensor

/// The corrector's training objective for one round, with its parts for the logs.
public struct CorrectorLoss {
    /// Dice of the corrected mask against the truth: soft at the rewritten points, the
    /// thresholded mask (p > 0.5) everywhere else.
    public var dice: Tensor
    /// BCE of the new logits against the truth at the round's real points.
    public var pointBCE: Tensor
    /// Mean squared difference between the new probability and the initial (round-0)
    /// probability at the uncertain points: what keeps the corrector from rewriting parts of
    /// the mask that no click disputes. Against the soft round-0 map, leaving a point as it was
    /// costs nothing; against its thresholded mask, as first written, every point near 0.5 cost
    /// 0.25 whatever the corrector did, and the term held nothing in place.
    public var consistency: Tensor
    /// dice + pointBCE + consistencyWeight · consistency.
    public var total: Tensor

    /// The loss of `round` on a map whose probabilities before the round were `before` and at
    /// round 0 `initial`, against the {0,1} `truth` (all row-major, one grid).
    ///
    /// Only the 2K points change in a round, so the Dice sums split into a constant over the
    /// other pixels and a recorded sum over the points; the full map is never materialised as
    /// a tensor. The other pixels count as the mask they show, not as soft probabilities: the
    /// term then measures the mask being corrected whatever the calibration of round 0 (the
    /// base LiteMedSAM's low-resolution logits on BUSI stay within about ±0.5, so a soft Dice
    /// of its map would be far from its mask's).
    public init(round: CorrectionRound, before: [Float], initial: [Float], truth: [Float], consistencyWeight: Float) {
        precondition(before.count == truth.count && initial.count == truth.count, "CorrectorLoss: maps of different sizes")
        let points = round.points
        var untouchedOverlap: Float = 0, untouchedSum: Float = 0
        var written = [Bool](repeating: false, count: truth.count)
        for pixel in points.pixels.compactMap({ $0 }) { written[pixel] = true }
        for i in truth.indices where !written[i] && before[i] > 0.5 {
            untouchedOverlap += truth[i]
            untouchedSum += 1
        }
        let real = points.pixels.indices.filter { points.pixels[$0] != nil }
        let uncertain = real.filter { $0 < points.pointsPerSet }
        func values(_ map: [Float], at slots: [Int]) -> Tensor {
            Tensor(slots.map { map[points.pixels[$0]!] }, shape: [slots.count])
        }
        // A click always lands on an error pixel, so a round the trainer runs has real points.
        precondition(!real.isEmpty, "CorrectorLoss: a round without points has nothing to fit")
        let logits = round.logits.indexSelect(axis: 0, real)
        let p = logits.sigmoid()
        let overlap = (p * values(truth, at: real)).sum() + untouchedOverlap
        let predicted = p.sum() + untouchedSum
        dice = 1 - (overlap * 2 + 1) / (predicted + (truth.reduce(0, +) + 1))
        pointBCE = Losses.binaryCrossEntropyWithLogits(logits, targets: values(truth, at: real))
        consistency = uncertain.isEmpty ? Tensor(0)
            : Losses.meanSquaredError(round.logits.indexSelect(axis: 0, uncertain).sigmoid(), values(initial, at: uncertain))
        total = dice + pointBCE + consistency * consistencyWeight
    }
}
