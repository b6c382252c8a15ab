import Foundation
import NN
import SegmentAnything
import Tensor
import Testing

/// The parts SAM is assembled from: an encoder family chosen by the config, a mask head that
/// can be replaced, and a config whose stored form older files still match.
@Suite struct SAMStructureTests {
    /// A head that predicts every mask as one learned constant: enough to show the decoder
    /// runs whatever head sits at `mask_decoder.mask_head`.
    final class ConstantMaskHead: SAMMaskHead {
        let level = Parameter(Tensor([0.25], shape: [1]))

        func callAsFunction(maskTokens: Tensor, image: Tensor) -> Tensor {
            let b = image.shape[0], t = maskTokens.shape[1], side = 4 * image.shape[2]
            return level.value.reshaped([1, 1, 1, 1]).expanded(to: [b, t, side, side])
        }
    }

    @Test func maskHeadKeysSitAtTheDecodersLevelAndTheHeadIsReplaceable() throws {
        let sam = SAM(config: SAMGradientTests.config, seed: 3)
        let keys = Set(sam.stateDict().map(\.key))
        #expect(keys.contains("mask_decoder.output_upscaling.0.weight"))
        #expect(keys.contains("mask_decoder.output_hypernetworks_mlps.3.layers.2.bias"))
        #expect(!keys.contains { $0.contains("mask_head") }, "the head adds no path segment of its own")

        try sam.replaceModule(at: "mask_decoder.mask_head", with: ConstantMaskHead())
        let replaced = Set(sam.stateDict().map(\.key))
        #expect(!replaced.contains("mask_decoder.output_upscaling.0.weight"))
        #expect(replaced.contains("mask_decoder.level"))
        let embedding = Tensor.zeros([1, SAMConfig.promptEmbedDim, 4, 4])
        let decoded = sam.decode(imageEmbedding: embedding, prompts: SAMPromptTensors(boxes: Tensor([4, 4, 40, 40], shape: [1, 4])),
                                 multimask: true)
        #expect(decoded.lowRes.shape == [1, 3, 16, 16])
        #expect(decoded.lowRes.scalars.allSatisfy { $0 == 0.25 })
    }

    @Test func imageEncoderIsTheFamilyTheConfigNames() {
        let sam = SAM(config: SAMGradientTests.config, seed: 1)
        #expect(sam.image_encoder is ImageEncoderViT)
        let embedding = noGrad { sam.image_encoder(Tensor.zeros([1, 3, 64, 64])) }
        #expect(embedding.shape == [1, SAMConfig.promptEmbedDim, sam.config.embeddingSize, sam.config.embeddingSize])
        #expect(sam.config.loraTargets == ["image_encoder.blocks.*.attn.qkv"])
    }

    @Test func storedConfigKeepsTheFlatViTFormAndRefusesUnknownFamilies() throws {
        // The metadata every SAM safetensors file written so far carries.
        let legacy = #"{"encoderDepth":2,"encoderEmbedDim":64,"encoderGlobalAttnIndexes":[1],"encoderNumHeads":2,"imageSize":1024,"patchSize":16,"windowSize":14}"#
        let decoded = try JSONDecoder().decode(SAMConfig.self, from: Data(legacy.utf8))
        #expect(decoded == .tiny)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        #expect(String(decoding: try encoder.encode(decoded), as: UTF8.self) == legacy)
        let unknown = #"{"encoder":"swin","imageSize":256}"#
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(SAMConfig.self, from: Data(unknown.utf8)) }
    }
}
