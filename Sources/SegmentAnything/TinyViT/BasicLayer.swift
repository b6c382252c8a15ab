import NN
import Tensor

extension TinyViT {
    /// An attention stage: TinyViT blocks on the stage's token grid, then the merge to the next
    /// stage when there is one. NCHW in and out; the blocks work on (B, H, W, C) tokens.
    public final class BasicLayer: Layer {
        public let blocks: [Block]
        public let downsample: PatchMerging?

        /// `depth` blocks over `dim` channels, then a merge to `merge.outChannels` with `merge.stride` when given.
        public init(dim: Int, depth: Int, numHeads: Int, windowSize: Int, mlpRatio: Int, localConvSize: Int,
                    merge: (outChannels: Int, stride: Int)?, generator: inout SeededGenerator) {
            blocks = (0..<depth).map { _ in
                Block(dim: dim, numHeads: numHeads, windowSize: windowSize, mlpRatio: mlpRatio,
                      localConvSize: localConvSize, generator: &generator)
            }
            downsample = merge.map {
                PatchMerging(inChannels: dim, outChannels: $0.outChannels, stride: $0.stride, generator: &generator)
            }
        }

        public func callAsFunction(_ x: Tensor) -> Tensor {
            let tokens = blocks.reduce(x.permuted(0, 2, 3, 1)) { $1($0) }
            let map = tokens.permuted(0, 3, 1, 2)
            return downsample?(map) ?? map
        }
    }
}
