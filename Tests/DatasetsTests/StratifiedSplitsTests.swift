import Testing
@testable import Datasets

private let benign = (1...136).map { "benign_\($0)" }
private let malignant = (1...61).map { "malignant_\($0)" }

@Test func testSetTakesTheFractionOfEachClass() {
    let split = StratifiedSplits.trainTest([benign, malignant], testFraction: 0.2, seed: 5)
    #expect(split.test.filter { $0.hasPrefix("benign") }.count == 27)     // round(136 * 0.2)
    #expect(split.test.filter { $0.hasPrefix("malignant") }.count == 12)  // round(61 * 0.2)
    #expect(Set(split.train).isDisjoint(with: split.test))
    #expect(Set(split.train + split.test) == Set(benign + malignant))
}

@Test func sameSeedGivesSameSplitAndOtherSeedsDiffer() {
    let first = StratifiedSplits.trainTest([benign, malignant], testFraction: 0.2, seed: 9)
    let again = StratifiedSplits.trainTest([malignant.reversed(), benign.shuffled()], testFraction: 0.2, seed: 9)
    let other = StratifiedSplits.trainTest([benign, malignant], testFraction: 0.2, seed: 10)
    #expect(first.test == again.test)
    #expect(first.train == again.train)
    #expect(first.test != other.test)
}

@Test func foldsPartitionTheTrainingCasesInBalancedSizes() {
    // 136 and 61 are both 1 modulo 5; without rotating the folds per class, fold 0 would get both extras.
    let folds = StratifiedSplits.kFold([benign, malignant], k: 5, seed: 3)
    let all = Set(benign + malignant)
    #expect(folds.map(\.fold) == [0, 1, 2, 3, 4])
    let sizes = folds.map(\.val.count)
    #expect(sizes.reduce(0, +) == all.count)
    #expect(sizes.max()! - sizes.min()! <= 1)
    #expect(Set(folds.flatMap(\.val)) == all)
    for fold in folds {
        #expect(Set(fold.train).isDisjoint(with: fold.val))
        #expect(Set(fold.train).union(fold.val) == all)
        // Stratified: each class is spread over the folds like the whole.
        let benignShare = Double(fold.val.filter { $0.hasPrefix("benign") }.count) / Double(fold.val.count)
        #expect(abs(benignShare - 136.0 / 197.0) < 0.03)
    }
    #expect(StratifiedSplits.kFold([benign, malignant], k: 5, seed: 3) == folds)
}
