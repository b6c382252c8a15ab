import NN
import Tensor

extension TinyViT {
    /// The attention blocks' MLP (`Mlp`): its own pre-norm, then fc1 → exact GELU → fc2.
    public final class MLP: Module {
        public let norm: LayerNorm
        public let fc1: Linear
        public let fc2: Linear

        /// An MLP `dim → hidden → dim`.
        public init(dim: Int, hidden: Int, generator: inout SeededGenerator) {
            norm = LayerNorm(dim)
            fc1 = Linear(inFeatures: dim, outFeatures: hidden, generator: &generator)
            fc2 = Linear(inFeatures: hidden, outFeatures: dim, generator: &generator)
        }

        /// Applies the MLP over the last axis.
        public func callAsFunction(_ x: Tensor) -> Tensor {
            fc2(fc1(norm(x)).gelu())
        }

        /// `m + self(m)` with `m = localConv.channelsLast(x)`, the block's use of it. In inference
        /// it runs fused a tile of tokens at a time (see `residualGELUMLP`): neither `m` nor the
        /// 4×-wide hidden tensor goes through memory.
        public func residual(_ x: Tensor, after localConv: Conv2dBN) -> Tensor {
            let parameters = [norm.weight, norm.bias, fc1.weight, fc2.weight] + [fc1.bias, fc2.bias].compactMap { $0 }
            guard let fc1Bias = fc1.bias, let fc2Bias = fc2.bias,
                  let depthwise = localConv.foldedChannelsLastDepthwise(channels: x.shape.last ?? 0),
                  !GradMode.isEnabled || !(x.requiresGrad || parameters.contains(where: \.requiresGrad))
            else {
                let m = localConv.channelsLast(x)
                return m + self(m)
            }
            return x.residualGELUMLP(depthwise: (depthwise.weight, depthwise.bias), norm: (norm.weight.value, norm.bias.value, norm.eps),
                                     fc1: (fc1.weight.value, fc1Bias.value), fc2: (fc2.weight.value, fc2Bias.value))
        }
    }

    /// `TinyViTBlock`: windowed attention with a residual, a depthwise convolution over the
    /// token grid (no residual), then the MLP with a residual. Tokens are (B, H, W, C).
    /// An attached `adapter`'s branch of the block's input is added to its output.
    public final class Block: AdaptableEncoderBlock {
        public let attn: Attention
        public let mlp: MLP
        public let local_conv: Conv2dBN
        public let windowSize: Int
        /// Empty in the official model; I-MedSAM puts its frequency adapter here.
        @Replaceable public var adapter: (any EncoderBlockAdapter)? = nil

        public var channels: Int { attn.proj.outFeatures }

        /// A block over `dim` channels attending within `windowSize`² windows.
        public init(dim: Int, numHeads: Int, windowSize: Int, mlpRatio: Int, localConvSize: Int,
                    generator: inout SeededGenerator) {
            attn = Attention(dim: dim, numHeads: numHeads, windowSize: windowSize, generator: &generator)
            mlp = MLP(dim: dim, hidden: dim * mlpRatio, generator: &generator)
            local_conv = Conv2dBN(dim, dim, kernel: localConvSize, groups: dim, generator: &generator)
            self.windowSize = windowSize
        }

        /// `x` is (B, H, W, C); the output has the same shape.
        public func callAsFunction(_ x: Tensor) -> Tensor {
            let y: Tensor
            if let fused = attn.fusedResidual(x, window: windowSize) {
                y = fused
            } else {
                let b = x.shape[0], h = x.shape[1], w = x.shape[2], c = x.shape[3]
                // Zero padding to whole windows comes before the attention's own norm, so padded
                // tokens enter as the norm's bias; they are cropped off afterwards.
                let windows = ImageEncoderBlock.partition(x, window: windowSize)
                let attended = attn(windows.reshaped([-1, windowSize * windowSize, c]))
                    .reshaped([-1, windowSize, windowSize, c])
                y = x + ImageEncoderBlock.unpartition(attended, window: windowSize, batch: b, height: h, width: w)
            }
            let out = mlp.residual(y, after: local_conv)
            guard let adapter else { return out }
            return out + adapter(x)
        }
    }
}
