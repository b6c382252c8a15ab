/// How much the refiner's change penalty counts for a coarse mask of a given quality: the
/// simulator annotates its samples with it and the refined loss weights each item by it, so
/// both read the same curve.
public enum QualityWeight {
    /// A clamped smoothstep of `(Dice − 0.6) / 0.4`: 0 at Dice ≤ 0.6, 1 at Dice 1, with zero
    /// slope at both ends (small Dice differences near the ends do not jerk the weight).
    public static func forDice(_ dice: Double) -> Double {
        let s = min(max((dice - 0.6) / 0.4, 0), 1)
        return s * s * (3 - 2 * s)
    }
}
