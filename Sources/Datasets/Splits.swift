import Tensor

/// Deterministic, seeded partitions of a dataset's case names: the 80/20 train/test split
/// and the k folds of cross-validation over the training cases.
public enum Splits {
    /// Shuffles `names` (sorted first, so the result depends only on the set and the seed).
    public static func shuffled(_ names: [String], seed: UInt64) -> [String] {
        var generator = SeededGenerator(seed: seed)
        var items = names.sorted()
        // Fisher–Yates with our own generator: `shuffle(using:)`'s algorithm is not specified
        // by the standard library, so it could change between toolchains.
        if items.count > 1 {
            for i in stride(from: items.count - 1, to: 0, by: -1) {
                let j = Int(generator.next() % UInt64(i + 1))
                items.swapAt(i, j)
            }
        }
        return items
    }

    /// Splits names into train and test sets, `testFraction` of them (rounded) in test.
    public static func trainTest(_ names: [String], testFraction: Double = 0.2,
                                 seed: UInt64) -> (train: [String], test: [String]) {
        precondition(testFraction >= 0 && testFraction <= 1, "testFraction must be in [0, 1]")
        let order = shuffled(names, seed: seed)
        let testCount = Int((Double(order.count) * testFraction).rounded())
        return (Array(order[testCount...]).sorted(), Array(order[..<testCount]).sorted())
    }

    /// One cross-validation fold: the cases trained on and the held-out cases.
    public struct Fold: Codable, Equatable, Sendable {
        public var fold: Int
        public var train: [String]
        public var val: [String]
    }

    /// `k` folds whose validation sets partition `names`; sizes differ by at most one.
    public static func kFold(_ names: [String], k: Int = 5, seed: UInt64) -> [Fold] {
        precondition(k >= 2, "k-fold needs k >= 2")
        let order = shuffled(names, seed: seed)
        return (0..<k).map { f in
            let val = order.enumerated().filter { $0.offset % k == f }.map(\.element)
            let valSet = Set(val)
            return Fold(fold: f, train: order.filter { !valSet.contains($0) }.sorted(), val: val.sorted())
        }
    }
}
