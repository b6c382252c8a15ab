import Testing
@testable import Tensor

/// The fused pre-norm MLP with residual (`residualGELUMLP`) against the same block composed of
/// `layerNorm`, `linear` and `gelu`, on row counts that cut the tiles unevenly.
@Suite struct ResidualMLPTests {
    /// (leading shape…, channels, hidden): one tile; two tiles with a ragged last one; four
    /// tiles (rounded up from three for two threads); leading axes flattened into rows.
    static let shapes: [[Int]] = [[7, 5, 20], [3001, 24, 96], [10_007, 16, 64], [2, 9, 13, 8, 32]]

    @Test(arguments: shapes)
    func fusedBlockEqualsTheComposedOne(_ sizes: [Int]) {
        let channels = sizes[sizes.count - 2], hidden = sizes[sizes.count - 1]
        var generator = SeededGenerator(seed: UInt64(sizes.reduce(0, +)))
        let x = Tensor.randn(Array(sizes.dropLast()), generator: &generator)
        let norm = (weight: Tensor.randn([channels], std: 0.5, generator: &generator) + 1,
                    bias: Tensor.randn([channels], std: 0.5, generator: &generator), eps: Float(1e-5))
        let fc1 = (weight: Tensor.randn([hidden, channels], std: 0.4, generator: &generator),
                   bias: Tensor.randn([hidden], std: 0.5, generator: &generator))
        let fc2 = (weight: Tensor.randn([channels, hidden], std: 0.3, generator: &generator),
                   bias: Tensor.randn([channels], std: 0.5, generator: &generator))
        let composed = noGrad {
            x + x.layerNorm(weight: norm.weight, bias: norm.bias, eps: norm.eps)
                .linear(weight: fc1.weight, bias: fc1.bias).gelu().linear(weight: fc2.weight, bias: fc2.bias)
        }
        for threads in [1, 2] {
            let fused = Parallelism.withThreadBudget(threads) {
                noGrad { x.residualGELUMLP(norm: norm, fc1: fc1, fc2: fc2) }
            }
            #expect(fused.shape == composed.shape)
            let difference = zip(fused.scalars, composed.scalars).map { abs($0 - $1) }.max() ?? .infinity
            #expect(difference <= 2e-5, "\(threads) thread(s): max |fused − composed| = \(difference)")
        }
    }
}
