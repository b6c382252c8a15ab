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
        let mlp = MLPWeights(channels: channels, hidden: hidden, fc2Std: 0.3, generator: &generator)
        let composed = noGrad {
            x + x.layerNorm(weight: mlp.norm.weight, bias: mlp.norm.bias, eps: mlp.norm.eps)
                .linear(weight: mlp.fc1.weight, bias: mlp.fc1.bias).gelu().linear(weight: mlp.fc2.weight, bias: mlp.fc2.bias)
        }
        expectFused(equalTo: composed, within: 2e-5) { x.residualGELUMLP(norm: mlp.norm, fc1: mlp.fc1, fc2: mlp.fc2) }
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
        let mlp = MLPWeights(channels: channels, hidden: hidden, fc2Std: 0.1, generator: &generator)
        let composed = noGrad {
            x.depthwiseConv2dChannelsLast(weight: depthwise.weight, bias: depthwise.bias)
                .residualGELUMLP(norm: mlp.norm, fc1: mlp.fc1, fc2: mlp.fc2)
        }
        expectFused(equalTo: composed, within: 1e-5) {
            x.residualGELUMLP(depthwise: (depthwise.weight, depthwise.bias), norm: mlp.norm, fc1: mlp.fc1, fc2: mlp.fc2)
        }
    }
}

/// Random weights of one pre-norm MLP (the norm's scale around 1), drawn in the same order for
/// every test.
struct MLPWeights {
    let norm: (weight: Tensor, bias: Tensor, eps: Float)
    let fc1, fc2: (weight: Tensor, bias: Tensor)

    init(channels: Int, hidden: Int, fc2Std: Float, generator: inout SeededGenerator) {
        norm = (Tensor.randn([channels], std: 0.5, generator: &generator) + 1,
                Tensor.randn([channels], std: 0.5, generator: &generator), 1e-5)
        fc1 = (Tensor.randn([hidden, channels], std: 0.4, generator: &generator),
               Tensor.randn([hidden], std: 0.5, generator: &generator))
        fc2 = (Tensor.randn([channels, hidden], std: fc2Std, generator: &generator),
               Tensor.randn([channels], std: 0.5, generator: &generator))
    }
}

/// `fused()` run with one and with two threads matches `composed` within `tolerance`.
func expectFused(equalTo composed: Tensor, within tolerance: Float, _ fused: () -> Tensor) {
    for threads in [1, 2] {
        let result = Parallelism.withThreadBudget(threads) { noGrad(fused) }
        #expect(result.shape == composed.shape)
        let difference = zip(result.scalars, composed.scalars).map { abs($0 - $1) }.max() ?? .infinity
        #expect(difference <= tolerance, "\(threads) thread(s): max |fused − composed| = \(difference)")
    }
}
