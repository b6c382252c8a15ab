import Testing
@testable import Tensor

/// The fused inverted residual (`invertedResidualGELU`) against the same block composed of
/// `conv2d` and `gelu`, on shapes whose heights cut the row bands unevenly, with the residual
/// (MBConv) and without it, strided (patch merging).
@Suite struct InvertedResidualTests {
    /// (batch, channels, hidden, height, width, kernel): a height spanning bands with a ragged
    /// last one, one shorter than a band, one of a single row, and a 5×5 kernel.
    static let shapes: [[Int]] = [[2, 3, 5, 19, 7, 3], [1, 4, 8, 5, 9, 3], [1, 2, 3, 1, 6, 3], [1, 3, 6, 17, 11, 5]]

    @Test(arguments: shapes)
    func fusedBlockEqualsTheComposedOne(_ sizes: [Int]) {
        let (batch, channels, hidden, height, width, kernel) = (sizes[0], sizes[1], sizes[2], sizes[3], sizes[4], sizes[5])
        var generator = SeededGenerator(seed: UInt64(sizes.reduce(0, +)))
        let x = Tensor.randn([batch, channels, height, width], generator: &generator)
        let expand = (weight: Tensor.randn([hidden, channels, 1, 1], std: 0.7, generator: &generator),
                      bias: Tensor.randn([hidden], std: 0.5, generator: &generator))
        let depthwise = (weight: Tensor.randn([hidden, 1, kernel, kernel], std: 0.5, generator: &generator),
                         bias: Tensor.randn([hidden], std: 0.5, generator: &generator))
        let project = (weight: Tensor.randn([channels, hidden, 1, 1], std: 0.7, generator: &generator),
                       bias: Tensor.randn([channels], std: 0.5, generator: &generator))
        let (fused, composed) = noGrad {
            let hiddenMap = x.conv2d(weight: expand.weight, bias: expand.bias).gelu()
                .conv2d(weight: depthwise.weight, bias: depthwise.bias, padding: Size2D(kernel / 2, kernel / 2), groups: hidden)
                .gelu()
            let composed = (hiddenMap.conv2d(weight: project.weight, bias: project.bias) + x).gelu()
            return (x.invertedResidualGELU(expand: expand, depthwise: depthwise, project: project), composed)
        }
        #expect(fused.shape == composed.shape)
        let difference = zip(fused.scalars, composed.scalars).map { abs($0 - $1) }.max() ?? .infinity
        #expect(difference <= 1e-5, "max |fused − composed| = \(difference)")
    }

    /// (batch, channels, hidden = out, height, width, stride): odd and even grids at stride 2
    /// (the last band ragged, the last output row reading one padded row), stride 1, and a
    /// height below one band.
    static let mergingShapes: [[Int]] = [[2, 3, 5, 19, 7, 2], [1, 4, 6, 22, 10, 2], [1, 3, 4, 13, 9, 1], [1, 2, 3, 3, 5, 2]]

    @Test(arguments: mergingShapes)
    func fusedPatchMergingEqualsTheComposedOne(_ sizes: [Int]) {
        let (batch, channels, out, height, width, stride) = (sizes[0], sizes[1], sizes[2], sizes[3], sizes[4], sizes[5])
        var generator = SeededGenerator(seed: UInt64(sizes.reduce(7, +)))
        let x = Tensor.randn([batch, channels, height, width], generator: &generator)
        let expand = (weight: Tensor.randn([out, channels, 1, 1], std: 0.7, generator: &generator),
                      bias: Tensor.randn([out], std: 0.5, generator: &generator))
        let depthwise = (weight: Tensor.randn([out, 1, 3, 3], std: 0.5, generator: &generator),
                         bias: Tensor.randn([out], std: 0.5, generator: &generator))
        let project = (weight: Tensor.randn([out, out, 1, 1], std: 0.7, generator: &generator),
                       bias: Tensor.randn([out], std: 0.5, generator: &generator))
        let (fused, composed) = noGrad {
            let composed = x.conv2d(weight: expand.weight, bias: expand.bias).gelu()
                .conv2d(weight: depthwise.weight, bias: depthwise.bias, stride: Size2D(stride, stride), padding: 1, groups: out)
                .gelu().conv2d(weight: project.weight, bias: project.bias)
            return (x.invertedResidualGELU(expand: expand, depthwise: depthwise, project: project, stride: stride, residual: false),
                    composed)
        }
        #expect(fused.shape == composed.shape)
        let difference = zip(fused.scalars, composed.scalars).map { abs($0 - $1) }.max() ?? .infinity
        #expect(difference <= 1e-5, "max |fused − composed| = \(difference)")
    }
}
