import Tensor

/// The Dice ranges the simulator's samples are sorted into, with their target shares.
///
/// Ends: `perfect` is Dice exactly 1 (the ground truth itself); the others are half-open,
/// lower end included: [0.9, 1), [0.8, 0.9), [0.6, 0.8).
public enum QualityBucket: String, CaseIterable, Sendable, Codable, Comparable {
    case perfect, excellent, good, fair

    /// Lower Dice bound (included).
    public var lowerBound: Double {
        switch self {
        case .perfect: 1
        case .excellent: 0.9
        case .good: 0.8
        case .fair: 0.6
        }
    }

    /// Upper Dice bound (excluded, except for `perfect`, which is exactly 1).
    public var upperBound: Double {
        switch self {
        case .perfect: 1
        case .excellent: 1
        case .good: 0.9
        case .fair: 0.8
        }
    }

    /// Target share of the samples.
    public var targetShare: Double { Double(Self.schedulePerBlock[self]!) / Double(Self.blockSize) }

    /// Whether `dice` belongs to this bucket.
    public func contains(_ dice: Double) -> Bool {
        self == .perfect ? dice == 1 : dice >= lowerBound && dice < upperBound
    }

    /// The bucket a Dice value falls in, or nil below 0.6.
    public init?(dice: Double) {
        guard let bucket = Self.allCases.first(where: { $0.contains(dice) }) else { return nil }
        self = bucket
    }

    /// Printable range, e.g. "[0.8, 0.9)".
    public var rangeDescription: String {
        self == .perfect ? "1.0" : "[\(lowerBound), \(upperBound))"
    }

    /// Better buckets (higher Dice) sort first.
    public static func < (lhs: QualityBucket, rhs: QualityBucket) -> Bool {
        lhs.lowerBound > rhs.lowerBound
    }

    /// Samples per block of 20 (10%, 15%, 40%, 35%).
    static let blockSize = 20
    static let schedulePerBlock: [QualityBucket: Int] = [.perfect: 2, .excellent: 3, .good: 8, .fair: 7]

    /// The bucket of sample `index`: every block of 20 consecutive indices holds exactly the
    /// target counts, in a seeded random order. Shares are then exact in expectation, exact
    /// on any multiple of 20 samples, and off by fewer than 8 samples on any other count.
    public static func scheduled(index: Int, seed: UInt64) -> QualityBucket {
        let block = index / blockSize
        var slots: [QualityBucket] = allCases.flatMap { Array(repeating: $0, count: schedulePerBlock[$0]!) }
        var generator = SeededGenerator(seed: seed).derived(0x5343_4845_4455_4C45 ^ UInt64(block))
        for i in stride(from: slots.count - 1, to: 0, by: -1) {
            let j = Int(generator.uniform() * Double(i + 1))
            slots.swapAt(i, j)
        }
        return slots[index % blockSize]
    }
}

/// Counts of samples per bucket: what the generator reports after a run.
public struct BucketHistogram: Sendable, Equatable {
    /// Samples per bucket.
    public private(set) var counts: [QualityBucket: Int] = [:]

    /// An empty histogram.
    public init() {}

    /// Counts one sample.
    public mutating func add(_ bucket: QualityBucket) { counts[bucket, default: 0] += 1 }

    /// Samples counted.
    public var total: Int { counts.values.reduce(0, +) }

    /// Achieved share of `bucket` (0 when empty).
    public func share(_ bucket: QualityBucket) -> Double {
        total > 0 ? Double(counts[bucket, default: 0]) / Double(total) : 0
    }

    /// One line per bucket: range, count, achieved and target share.
    public var report: String {
        QualityBucket.allCases.map { bucket in
            let achieved = (share(bucket) * 1000).rounded() / 10
            let target = (bucket.targetShare * 1000).rounded() / 10
            return "dice \(bucket.rangeDescription): \(counts[bucket, default: 0]) samples, \(achieved)% (target \(target)%)"
        }.joined(separator: "\n")
    }
}
