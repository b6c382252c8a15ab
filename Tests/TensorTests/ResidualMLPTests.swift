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

/// The fused MLP with the channels-last depthwise convolution in front against the two ops
/// composed (`depthwiseConv2dChannelsLast`, then `residualGELUMLP`).
@Suite struct ConvolvedResidualMLPTests {
    /// (batch, height, width, channels, hidden, kernel): one tile; two tiles of whole grid rows
    /// with a ragged last one; tiles that straddle two images, with a 5×5 kernel.
    static let shapes: [[Int]] = [[2, 5, 7, 16, 48, 3], [1, 33, 40, 16, 256, 3], [2, 15, 30, 8, 512, 5]]

    @Test(arguments: shapes)
    func fusedConvolutionAndMLPEqualTheComposedOnes(_ sizes: [Int]) {
        let (batch, height, width, channels, hidden, kernel) = (sizes[0], sizes[1], sizes[2], sizes[3], sizes[4], sizes[5])
        var generator = SeededGenerator(seed: UInt64(sizes.reduce(3, +)))
        let x = Tensor.randn([batch, height, width, channels], generator: &generator)
        let depthwise = (weight: Tensor.randn([channels, 1, kernel, kernel], std: 0.4, generator: &generator),
                         bias: Tensor.randn([channels], std: 0.5, generator: &generator))
        let norm = (weight: Tensor.randn([channels], std: 0.5, generator: &generator) + 1,
                    bias: Tensor.randn([channels], std: 0.5, generator: &generator), eps: Float(1e-5))
        let fc1 = (weight: Tensor.randn([hidden, channels], std: 0.4, generator: &generator),
                   bias: Tensor.randn([hidden], std: 0.5, generator: &generator))
        let fc2 = (weight: Tensor.randn([channels, hidden], std: 0.1, generator: &generator),
                   bias: Tensor.randn([channels], std: 0.5, generator: &generator))
        let composed = noGrad {
            x.depthwiseConv2dChannelsLast(weight: depthwise.weight, bias: depthwise.bias)
                .residualGELUMLP(norm: norm, fc1: fc1, fc2: fc2)
        }
        for threads in [1, 2] {
            let fused = Parallelism.withThreadBudget(threads) {
                noGrad { x.residualGELUMLP(depthwise: (depthwise.weight, depthwise.bias), norm: norm, fc1: fc1, fc2: fc2) }
            }
            #expect(fused.shape == composed.shape)
            let difference = zip(fused.scalars, composed.scalars).map { abs($0 - $1) }.max() ?? .infinity
            #expect(difference <= 1e-5, "\(threads) thread(s): max |fused − composed| = \(difference)")
        }
    }
}
