import Foundation
import Testing
@testable import Tensor

/// Storage, views, factories and forward values of the structural ops.
struct TensorBasicsTests {
    @Test func reshapeAndFirstAxisSliceAreViewsAndWritesCopyOnWrite() {
        let x = Tensor.arange(0, 12).reshaped(3, 4)
        let row = x.slice(axis: 0, 1, 3)
        #expect(row.storage === x.storage)
        #expect(row.reshaped(8).storage === x.storage)
        #expect(row.scalars == Array(4..<12).map(Float.init))
        var copy = row
        copy.withUnsafeMutableBufferPointer { $0[0] = 100 }
        #expect(copy[0, 0] == 100)
        #expect(x[1, 0] == 4, "writing through a copy changed the original")
    }

    @Test func broadcastingFollowsNumPyRules() {
        let column = Tensor([1, 2], shape: [2, 1]), row = Tensor([10, 20, 30])
        #expect((column + row).shape == [2, 3])
        #expect((column + row).scalars == [11, 21, 31, 12, 22, 32])
        #expect((row * 2 - 1).scalars == [19, 39, 59])
        #expect((1 - row / 10).scalars == [0, -1, -2])
    }

    @Test func largeElementwiseOpsSplitAcrossThreadsCorrectly() {
        let n = 300_001
        let a = Tensor.arange(0, Float(n)), b = Tensor.full([n], 2)
        let product = (a * b).scalars
        #expect(product.enumerated().allSatisfy { $0.element == Float($0.offset) * 2 })
        let broadcast = (a.reshaped(n, 1) + Tensor([0, 1], shape: [1, 2])).scalars
        #expect(broadcast[2 * 150_000 + 1] == 150_001)
    }

    @Test func permuteMovesElementsToTheirPermutedIndex() {
        let x = Tensor.arange(0, 24).reshaped(2, 3, 4)
        let y = x.permuted(2, 0, 1)
        #expect(y.shape == [4, 2, 3])
        for i in 0..<2 { for j in 0..<3 { for k in 0..<4 { #expect(y[k, i, j] == x[i, j, k]) } } }
    }

    /// Permutes that move the contiguous axis inwards take the tiled-transpose copy: sides that
    /// are not multiples of its tile, an outer axis, and the attention `kᵀ` and NCHW → NHWC shapes.
    @Test func tiledPermutesMoveElementsToTheirPermutedIndex() {
        let x = Tensor.arange(0, 3 * 19 * 37).reshaped(3, 19, 37)
        let y = x.permuted(0, 2, 1)
        #expect(y.shape == [3, 37, 19])
        for i in 0..<3 { for j in 0..<19 { for k in 0..<37 { #expect(y[i, k, j] == x[i, j, k]) } } }
        let image = Tensor.arange(0, 2 * 5 * 6 * 9).reshaped(2, 5, 6, 9)
        let tokens = image.permuted(0, 2, 3, 1)
        #expect(tokens.shape == [2, 6, 9, 5])
        for n in 0..<2 { for c in 0..<5 { for h in 0..<6 { for w in 0..<9 {
            #expect(tokens[n, h, w, c] == image[n, c, h, w])
        } } } }
    }

    @Test func reductionsOverNonAdjacentAxesMatchLoops() {
        var generator = SeededGenerator(seed: 5)
        let x = Tensor.randn([3, 4, 5, 2], generator: &generator)
        let summed = x.sum(axes: [0, 2])
        let biggest = x.max(axes: [1, 3], keepDims: true)
        for j in 0..<4 { for l in 0..<2 {
            var total: Float = 0
            for i in 0..<3 { for k in 0..<5 { total += x[i, j, k, l] } }
            #expect(Swift.abs(summed[j, l] - total) < 1e-5)
        } }
        for i in 0..<3 { for k in 0..<5 {
            var best = -Float.infinity
            for j in 0..<4 { for l in 0..<2 { best = Swift.max(best, x[i, j, k, l]) } }
            #expect(biggest[i, 0, k, 0] == best)
        } }
    }

    @Test func longSumsKeepFloat32Accuracy() {
        let n = 1 << 22
        let total = Tensor.full([n], 0.1).sum().item
        // A sequential float32 running sum ends at 402740.8 here (numpy's float32 cumsum), 4 %
        // low; blocked accumulation keeps the error at float32 level (relative 1e-5).
        let exact = Double(Float(0.1)) * Double(n)
        #expect(Swift.abs(Double(total) - exact) < 1e-5 * exact)
    }

    @Test func factoriesAreSeededAndShaped() {
        var g1 = SeededGenerator(seed: 11), g2 = SeededGenerator(seed: 11)
        let a = Tensor.randn([10_000], generator: &g1), b = Tensor.randn([10_000], generator: &g2)
        #expect(a.scalars == b.scalars)
        #expect(Swift.abs(a.mean().item) < 0.05)
        #expect(Swift.abs(a.variance().item - 1) < 0.05)
        let u = Tensor.uniform([1000], low: 2, high: 3, generator: &g1)
        #expect(u.scalars.allSatisfy { $0 >= 2 && $0 < 3 })
        #expect(Tensor.arange(1, 2, step: 0.25).scalars == [1, 1.25, 1.5, 1.75])
        #expect(Tensor.full([2, 2], 7).scalars == [7, 7, 7, 7])
        #expect(Tensor(3).shape == [])
    }

    @Test func comparisonsProduceMasks() {
        let x = Tensor([1, 2, 3]), y = Tensor([3, 2, 1])
        #expect((x .< y).scalars == [1, 0, 0])
        #expect((x .>= y).scalars == [0, 1, 1])
        #expect((x .== 2).scalars == [0, 1, 0])
        #expect(Tensor.where(x .> 1.5, x, y).scalars == [3, 2, 3])
    }

    @Test func concatenatePadAndIndexSelectValues() {
        let a = Tensor([1, 2, 3, 4], shape: [2, 2]), b = Tensor([5, 6], shape: [2, 1])
        #expect(Tensor.concatenate([a, b], axis: 1).scalars == [1, 2, 5, 3, 4, 6])
        #expect(Tensor.stack([a, a], axis: 0).shape == [2, 2, 2])
        #expect(Tensor([1, 2, 3, 4]).padded([2, 1], mode: .reflect).scalars == [3, 2, 1, 2, 3, 4, 3])
        #expect(Tensor([1, 2]).padded([1, 2], value: -1).scalars == [-1, 1, 2, -1, -1])
        #expect(a.indexSelect(axis: 1, [1, 1, 0]).scalars == [2, 2, 1, 4, 4, 3])
        #expect(a.repeated([1, 2]).scalars == [1, 2, 1, 2, 3, 4, 3, 4])
        #expect(a.slice(axis: 1, -1).scalars == [2, 4])
    }

    @Test func vectorisedTranscendentalsMatchLibm() {
        var worstExp: Float = 0, worstErf: Float = 0, worstTanh: Float = 0
        var worstSmallTanh: Float = 0
        for i in -200_000...200_000 {
            let x = Float(i) * 0.0004
            worstExp = Swift.max(worstExp, Swift.abs(FastMath.exp(x) - Foundation.exp(x)) / Foundation.exp(x))
            worstErf = Swift.max(worstErf, Swift.abs(FastMath.erf(x) - Foundation.erf(x)))
            worstTanh = Swift.max(worstTanh, Swift.abs(FastMath.tanh(x) - Foundation.tanh(x)))
            if x != 0 && Swift.abs(x) < 0.1 {
                worstSmallTanh = Swift.max(worstSmallTanh, Swift.abs(FastMath.tanh(x) / Foundation.tanh(x) - 1))
            }
        }
        #expect(worstExp < 3e-7)
        #expect(worstErf < 4e-7)
        #expect(worstTanh < 4e-7)
        #expect(worstSmallTanh < 1e-6, "tanh loses relative accuracy near 0")
        #expect(FastMath.exp(100) == .infinity && FastMath.exp(-100) == 0 && FastMath.exp(.nan).isNaN)
    }

    @Test func dropoutIsSeededScaledAndOffInEvaluation() {
        let x = Tensor.ones([10_000])
        var g1 = SeededGenerator(seed: 3), g2 = SeededGenerator(seed: 3)
        let a = x.dropout(0.25, mode: .training, generator: &g1)
        #expect(a.scalars == x.dropout(0.25, mode: .monteCarlo, generator: &g2).scalars)
        #expect(a.scalars.allSatisfy { $0 == 0 || Swift.abs($0 - 4 / 3) < 1e-6 })
        let dropped = a.scalars.filter { $0 == 0 }.count
        #expect(dropped > 2300 && dropped < 2700)
        #expect(x.dropout(0.25, mode: .evaluation, generator: &g1).scalars == x.scalars)
    }
}
