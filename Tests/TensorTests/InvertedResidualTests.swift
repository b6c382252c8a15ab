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
        let block = Block(channels: channels, hidden: hidden, out: channels, kernel: kernel, generator: &generator)
        let (fused, composed) = noGrad {
            (x.invertedResidualGELU(expand: block.expand, depthwise: block.depthwise, project: block.project),
             (block.composedProjection(of: x, stride: 1) + x).gelu())
        }
        expectClose(fused, composed)
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
        let block = Block(channels: channels, hidden: out, out: out, kernel: 3, generator: &generator)
        let (fused, composed) = noGrad {
            (x.invertedResidualGELU(expand: block.expand, depthwise: block.depthwise, project: block.project,
                                    stride: stride, residual: false),
             block.composedProjection(of: x, stride: stride))
        }
        expectClose(fused, composed)
    }

    /// Random weights of one block, and the block without its residual composed of `conv2d`
    /// and `gelu`.
    struct Block {
        let expand, depthwise, project: (weight: Tensor, bias: Tensor)

        init(channels: Int, hidden: Int, out: Int, kernel: Int, generator: inout SeededGenerator) {
            expand = (Tensor.randn([hidden, channels, 1, 1], std: 0.7, generator: &generator),
                      Tensor.randn([hidden], std: 0.5, generator: &generator))
            depthwise = (Tensor.randn([hidden, 1, kernel, kernel], std: 0.5, generator: &generator),
                         Tensor.randn([hidden], std: 0.5, generator: &generator))
            project = (Tensor.randn([out, hidden, 1, 1], std: 0.7, generator: &generator),
                       Tensor.randn([out], std: 0.5, generator: &generator))
        }

        /// `project(GELU(depthwise(GELU(expand(x)))))`, the depthwise step with `stride`.
        func composedProjection(of x: Tensor, stride: Int) -> Tensor {
            let kernel = depthwise.weight.shape[2]
            return x.conv2d(weight: expand.weight, bias: expand.bias).gelu()
                .conv2d(weight: depthwise.weight, bias: depthwise.bias, stride: Size2D(stride, stride),
                        padding: Size2D(kernel / 2, kernel / 2), groups: depthwise.weight.shape[0])
                .gelu().conv2d(weight: project.weight, bias: project.bias)
        }
    }

    func expectClose(_ fused: Tensor, _ composed: Tensor) {
        #expect(fused.shape == composed.shape)
        let difference = zip(fused.scalars, composed.scalars).map { abs($0 - $1) }.max() ?? .infinity
        #expect(difference <= 1e-5, "max |fused − composed| = \(difference)")
    }
}
