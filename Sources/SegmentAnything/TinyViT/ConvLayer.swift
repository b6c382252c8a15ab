import NN
import Tensor

extension TinyViT {
    /// Stage 0: MBConv blocks at the input's full grid, then the merge to stage 1. NCHW in and out.
    public final class ConvLayer: Layer {
        public let blocks: [MBConv]
        public let downsample: PatchMerging?

        /// `depth` blocks over `channels`, then a merge to `merge.outChannels` with `merge.stride` when given.
        public init(channels: Int, depth: Int, expandRatio: Int, merge: (outChannels: Int, stride: Int)?,
                    generator: inout SeededGenerator) {
            blocks = (0..<depth).map { _ in MBConv(channels: channels, expandRatio: expandRatio, generator: &generator) }
            downsample = merge.map {
                PatchMerging(inChannels: channels, outChannels: $0.outChannels, stride: $0.stride, generator: &generator)
            }
        }

        public func callAsFunction(_ x: Tensor) -> Tensor {
            let y = blocks.reduce(x) { $1($0) }
            return downsample?(y) ?? y
        }
    }
}
