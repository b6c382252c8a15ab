import NN
import Tensor

/// The cascaded upsampler (`decoder`): tokens back to a feature map, `conv_more` to 512
/// channels, then four decoder blocks up to full resolution.
public final class DecoderCup: Module {
    /// 3×3 conv-BN-ReLU from the hidden width to 512 channels.
    public let conv_more: Conv2dReLU
    /// The four upsampling blocks.
    public let blocks: [DecoderBlock]
    /// Which blocks receive a skip feature (the first `n_skip` with nonzero channels).
    public let usesSkip: [Bool]

    /// The decoder for `config`.
    public init(_ config: TransUNetConfig, generator: inout SeededGenerator) {
        let head = TransUNetConfig.headChannels
        conv_more = Conv2dReLU(inChannels: config.hiddenSize, outChannels: head, generator: &generator)
        let inputs = [head] + config.decoderChannels.dropLast()
        var blocks: [DecoderBlock] = []
        for index in 0..<4 {
            blocks.append(DecoderBlock(inChannels: inputs[index], outChannels: config.decoderChannels[index],
                                       skipChannels: config.skipChannels[index], generator: &generator))
        }
        self.blocks = blocks
        usesSkip = (0..<4).map { $0 < config.nSkip && config.skipChannels[$0] > 0 }
    }

    /// Decodes tokens (B, grid², hidden) with the backbone's skip features (decoder order).
    public func callAsFunction(_ tokens: Tensor, features: [Tensor]) -> Tensor {
        let (batch, count, hidden) = (tokens.shape[0], tokens.shape[1], tokens.shape[2])
        let side = Int(Double(count).squareRoot())
        var x = conv_more(tokens.transposed(1, 2).reshaped([batch, hidden, side, side]))
        for (index, block) in blocks.enumerated() {
            x = block(x, skip: usesSkip[index] && index < features.count ? features[index] : nil)
        }
        return x
    }
}
