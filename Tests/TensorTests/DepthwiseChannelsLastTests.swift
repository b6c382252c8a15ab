import Testing
@testable import Tensor

/// The channels-last depthwise convolution against `conv2d` on the same tokens permuted to
/// channel-major and back: both sum tap by tap in the same order (`conv2d`'s 3×3 rows in one
/// pass, `row3x3`, included), so the bits must agree.
@Suite struct DepthwiseChannelsLastTests {
    /// (batch, height, width, channels, kernel): two images with a wide vector of channels,
    /// a 5×5 kernel wider than the image, a grid two tokens wide (edges only in `conv2d`'s
    /// one-pass 3×3 rows), and a single token.
    static let shapes: [[Int]] = [[2, 5, 7, 40, 3], [1, 9, 4, 3, 5], [1, 4, 2, 5, 3], [1, 1, 1, 8, 3]]

    @Test(arguments: shapes)
    func equalsConv2dThroughChannelMajor(_ sizes: [Int]) {
        let (batch, height, width, channels, kernel) = (sizes[0], sizes[1], sizes[2], sizes[3], sizes[4])
        var generator = SeededGenerator(seed: UInt64(sizes.reduce(0, +)))
        let x = Tensor.randn([batch, height, width, channels], generator: &generator)
        let weight = Tensor.randn([channels, 1, kernel, kernel], generator: &generator)
        let bias = Tensor.randn([channels], generator: &generator)
        let (direct, permuted, unbiased, permutedUnbiased) = noGrad {
            let viaConv = { (b: Tensor?) in
                x.permuted(0, 3, 1, 2).conv2d(weight: weight, bias: b, padding: Size2D(kernel / 2, kernel / 2), groups: channels)
                    .permuted(0, 2, 3, 1)
            }
            return (x.depthwiseConv2dChannelsLast(weight: weight, bias: bias), viaConv(bias),
                    x.depthwiseConv2dChannelsLast(weight: weight, bias: nil), viaConv(nil))
        }
        #expect(direct.shape == [batch, height, width, channels])
        #expect(direct.scalars == permuted.scalars)
        #expect(unbiased.scalars == permutedUnbiased.scalars)
    }
}
