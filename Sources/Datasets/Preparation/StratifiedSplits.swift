/// Train/test split and k folds that keep each class's share, built from `Splits` applied
/// per class (stratum) so that a rare class is not left out of the test set by chance.
enum StratifiedSplits {
    /// Each stratum split with `Splits.trainTest`; the results merged and sorted.
    static func trainTest(_ strata: [[String]], testFraction: Double,
                          seed: UInt64) -> (train: [String], test: [String]) {
        var train: [String] = [], test: [String] = []
        for stratum in strata {
            let split = Splits.trainTest(stratum, testFraction: testFraction, seed: seed)
            train += split.train
            test += split.test
        }
        return (train.sorted(), test.sorted())
    }

    /// `k` folds whose validation sets partition all names. Each stratum's folds come from
    /// `Splits.kFold`; stratum i's fold numbers are rotated by the count of names before it,
    /// so the leftover names go to different folds and fold sizes differ by at most one.
    static func kFold(_ strata: [[String]], k: Int, seed: UInt64) -> [Splits.Fold] {
        var validation = [[String]](repeating: [], count: k)
        var offset = 0
        for stratum in strata {
            for fold in Splits.kFold(stratum, k: k, seed: seed) {
                validation[(fold.fold + offset) % k] += fold.val
            }
            offset += stratum.count
        }
        let all = strata.flatMap { $0 }
        return validation.enumerated().map { index, val in
            let valSet = Set(val)
            return Splits.Fold(fold: index, train: all.filter { !valSet.contains($0) }.sorted(), val: val.sorted())
        }
    }
}
