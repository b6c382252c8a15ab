import Durable
import Formats
import Imaging
import Pixels
import SegmentAnything
import Tensor
import TestSupport
import Testing

/// Encoder inputs of the three preprocessing forms against the official code and the
/// square-form recipe (`tools/make_sam_preprocessing_fixtures.py`, 64² model frame).
@Suite struct SAMPreprocessingTests {
    static let folder = TestPaths.fixtures.appendingPathComponent("sam")

    static func maxDifference(_ preprocessing: SAMPreprocessing, _ reference: String) throws -> Float {
        let image = try PNG.readGray(folder.appendingPathComponent("image.png"))
        let ours = SAMInput(image: image, preprocessing: preprocessing, side: 64).tensor
        let expected = try NPY.read(folder.appendingPathComponent(reference))
        #expect(ours.shape == expected.shape)
        return zip(ours.scalars, expected.floats()).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }

    @Test func predictorFormMatchesResizeLongestSideAndSamPreprocess() throws {
        // Pillow's uint8 resize is reproduced bit-exactly, so only float rounding may differ.
        #expect(try Self.maxDifference(.samPredictor, "predictor.npy") <= 1e-6)
    }

    @Test func squareFormWithSAMNormalisationMatchesRecipe() throws {
        #expect(try Self.maxDifference(.square(.sam), "square_sam.npy") <= 1e-5)
    }

    @Test func squareFormWithMinMaxNormalisationMatchesMedSAM() throws {
        #expect(try Self.maxDifference(.square(.minMax), "square_minmax.npy") <= 1e-6)
    }

    @Test func squareFormMapsPromptsAndMasksWithoutPadding() {
        let image = Raster(width: 40, height: 20, repeating: UInt8(0))
        let input = SAMInput(image: image, preprocessing: .square(.sam), side: 64)
        let mapped = input.modelCoordinates(x: 10, y: 5)
        #expect(mapped.x == 16 && mapped.y == 16)
        #expect(input.frame == .square(64))
        let low = Tensor.ones([1, 3, 16, 16])
        #expect(input.postprocess(low).shape == [1, 3, 20, 40])
    }

    @Test func longestSideFormMapsPromptsWithTheRoundedContentScales() {
        // 420×300 in a 1024² frame: content 1024×731 (731 = int(300·1024/420 + 0.5)).
        let input = SAMInput(image: Raster(width: 420, height: 300, repeating: UInt8(9)), preprocessing: .samPredictor, side: 1024)
        #expect(input.frame == SAMFrame(side: 1024, content: Size2D(731, 1024)))
        let corner = input.modelCoordinates(x: 420, y: 300)
        #expect(corner.x == 1024 && abs(corner.y - 731) < 1e-4)
        let back = input.imageCoordinates(x: corner.x, y: corner.y)
        #expect(abs(back.x - 420) < 1e-9 && abs(back.y - 300) < 1e-3)
        // Padding is zero in the normalised space, below and right of the content.
        #expect(input.tensor[0, 0, 731, 0] == 0 && input.tensor[0, 0, 0, 1023] != 0)
    }

    @Test func promptsInOriginalPixelsMapThroughOneFunction() {
        let input = SAMInput(image: Raster(width: 40, height: 20, repeating: UInt8(0)), preprocessing: .square(.sam), side: 64)
        let tensors = input.promptTensors(SAMPrompt(points: [.init(x: 10, y: 5, label: .foreground)], box: [0, 0, 20, 10]))
        #expect(tensors.points?.scalars == [16, 16] && tensors.labels == [.foreground])
        #expect(tensors.boxes?.scalars == [0, 0, 32, 32])
        #expect(tensors.masks == nil)
    }
}

/// Official weights at another input size: resampling against PyTorch's interpolations
/// (`tools/make_sam_resize_fixtures.py`).
@Suite struct SAMResolutionTests {
    @Test func positionEmbeddingAndGlobalTablesAreResampledLikePyTorch() throws {
        let arrays = try NPZ.read(TestPaths.fixtures.appendingPathComponent("sam/resize.npz"))
        // An 8×8-grid model with one global block, resampled to a 4×4 grid.
        let source = SAMConfig(encoderEmbedDim: 4, encoderDepth: 1, encoderNumHeads: 2, encoderGlobalAttnIndexes: [0],
                               windowSize: 2, imageSize: 128)
        var target = source
        target.imageSize = 64
        var tensors = SAM(config: source).checkpoint()
        let pos = arrays["pos_embed"]!, rel = arrays["rel_pos"]!
        tensors["image_encoder.pos_embed"] = StoredTensor(shape: pos.shape, values: pos.floats())
        tensors["image_encoder.blocks.0.attn.rel_pos_h"] = StoredTensor(shape: rel.shape, values: rel.floats())
        let resampled = try source.resampled(tensors, to: target)
        func difference(_ key: String, _ reference: String) -> Float {
            let ours = resampled[key]!, expected = arrays[reference]!
            #expect(ours.shape == expected.shape, "\(key)")
            return zip(ours.values, expected.floats()).reduce(0) { max($0, abs($1.0 - $1.1)) }
        }
        #expect(difference("image_encoder.pos_embed", "pos_embed_4") <= 1e-6)
        #expect(difference("image_encoder.blocks.0.attn.rel_pos_h", "rel_pos_4") <= 1e-6)
        // The resampled weights load into the smaller model.
        let model = SAM(config: target)
        try model.load(resampled)
    }

    @Test func resamplingRefusesOtherShapeChanges() {
        var deeper = SAMConfig.tiny.vit!
        deeper.depth = 3
        let target = SAMConfig(encoder: .vit(deeper), imageSize: 512)
        #expect(throws: FormatError.self) { try SAMConfig.tiny.resampled(SAM(config: .tiny).checkpoint(), to: target) }
    }
}

/// LiteMedSAM's recipe (`SAMPreprocessing.liteMedSAM`) against the encoder input of the shared
/// LiteMedSAM fixture, made with OpenCV's `INTER_AREA` from a real BUSI image.
@Suite struct LiteMedSAMPreprocessingTests {
    static let fixture = TestPaths.sharedFixtures.appendingPathComponent("litemedsam_busi")
    static let image = TestPaths.busi.appendingPathComponent("malignant/malignant (1).png")

    @Test(.enabled(if: TestPaths.hasShared, "needs ../shared (or ULTRAREFINER_SHARED)"))
    func encoderInputEqualsTheReference() throws {
        let input = SAMInput(image: try PNG.readGray(Self.image), preprocessing: .liteMedSAM, side: 256)
        #expect(input.frame == SAMFrame(side: 256, content: Size2D(256, 192)))
        let expected = try NPY.read(Self.fixture.appendingPathComponent("input.npy"))
        #expect(input.tensor.shape == expected.shape)
        let delta = zip(input.tensor.scalars, expected.floats()).reduce(0) { max($0, abs($1.0 - $1.1)) }
        print("litemedsam_busi input.npy max|Δ| = \(delta)")
        #expect(delta <= 1e-6)
    }

    @Test func boxesScaleByTheLongestSideOnBothAxes() {
        // 449×598 → content 192×256; x scales by 256/598 like y, not by 192/449.
        let input = SAMInput(image: Raster(width: 449, height: 598, repeating: UInt8(7)), preprocessing: .liteMedSAM, side: 256)
        let scale = 256.0 / 598.0
        let box = input.promptTensors(SAMPrompt(box: [0, 120, 448, 415])).boxes?.scalars
        #expect(box == [0, Float(120 * scale), Float(448 * scale), Float(415 * scale)])
        let back = input.imageCoordinates(x: Float(448 * scale), y: 0)
        #expect(abs(back.x - 448) < 1e-4)
        #expect(SAMPreprocessing.liteMedSAM.description == "longest-side-area-minmax-uniform")
    }
}
