import Testing
import Tensor

/// `op(a)·op(b)` from the definition, in Double.
private func directProduct(_ a: [Float], _ b: [Float], m: Int, n: Int, k: Int,
                           transposeA: Bool, transposeB: Bool) -> [Float] {
    var c = [Float](repeating: 0, count: m * n)
    for i in 0..<m {
        for j in 0..<n {
            var sum = 0.0
            for p in 0..<k {
                let av = transposeA ? a[p * m + i] : a[i * k + p]
                let bv = transposeB ? b[j * k + p] : b[p * n + j]
                sum += Double(av) * Double(bv)
            }
            c[i * n + j] = Float(sum)
        }
    }
    return c
}

@Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
func gemmMatchesDirectProductForEveryTransposeCombination(transposeA: Bool, transposeB: Bool) {
    let m = 5, n = 7, k = 11
    let a = KernelTestData.normal(m * k, seed: 20), b = KernelTestData.normal(k * n, seed: 21)
    let start = KernelTestData.normal(m * n, seed: 22)
    var c = start
    Gemm.multiply(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: 2,
                  a: a, b: b, beta: 0.5, c: &c)
    let product = directProduct(a, b, m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB)
    let expected = zip(product, start).map { 2 * $0 + 0.5 * $1 }
    #expect(KernelTestData.maxScaledError(c, expected) < 1e-5)
}

@Test func gemmHonoursLeadingDimensionsOfSubmatrices() {
    // The top-left 3×4 block of a 3×6 matrix times a 4×2 block of a 4×5 matrix, into a 3×2
    // block of a 3×3 output whose third column must stay untouched.
    let a = KernelTestData.normal(3 * 6, seed: 23), b = KernelTestData.normal(4 * 5, seed: 24)
    var c = [Float](repeating: 7, count: 9)
    Gemm.multiply(m: 3, n: 2, k: 4, a: a, lda: 6, b: b, ldb: 5, c: &c, ldc: 3)
    let blockA = (0..<3).flatMap { i in a[(i * 6)..<(i * 6 + 4)] }
    let blockB = (0..<4).flatMap { p in b[(p * 5)..<(p * 5 + 2)] }
    let expected = directProduct(blockA, blockB, m: 3, n: 2, k: 4, transposeA: false, transposeB: false)
    let block = (0..<3).flatMap { i in c[(i * 3)..<(i * 3 + 2)] }
    #expect(KernelTestData.maxScaledError(block, expected) < 1e-5)
    #expect([c[2], c[5], c[8]] == [7, 7, 7])
}

@Test func gemmWithEmptyInnerDimensionScalesOrClearsOutput() {
    let none: [Float] = []
    var scaled: [Float] = [1, 2, 3, 4]
    Gemm.multiply(m: 2, n: 2, k: 0, a: none, b: none, beta: 3, c: &scaled)
    #expect(scaled == [3, 6, 9, 12])
    var cleared: [Float] = [.nan, 1, 2, 3]
    Gemm.multiply(m: 2, n: 2, k: 0, a: none, b: none, c: &cleared)
    #expect(cleared == [0, 0, 0, 0])
}

@Test(arguments: [(4, 8, 16), (3, 96, 64)])
func batchedGemmMatchesEachProductAlone(m: Int, n: Int, k: Int) {
    // The first shape is small enough to run items concurrently, the second runs them in turn.
    let batch = 6
    let a = KernelTestData.normal(batch * m * k, seed: 25), b = KernelTestData.normal(batch * k * n, seed: 26)
    var c = [Float](repeating: .nan, count: batch * m * n)
    Gemm.multiplyBatched(batch: batch, transposeB: true, m: m, n: n, k: k, a: a, strideA: m * k,
                         b: b, strideB: k * n, c: &c, strideC: m * n)
    for item in 0..<batch {
        let expected = directProduct(Array(a[(item * m * k)..<((item + 1) * m * k)]),
                                     Array(b[(item * k * n)..<((item + 1) * k * n)]),
                                     m: m, n: n, k: k, transposeA: false, transposeB: true)
        #expect(KernelTestData.maxScaledError(Array(c[(item * m * n)..<((item + 1) * m * n)]), expected) < 1e-5)
    }
}
