import Formats
import Imaging
import Models
import Tensor
import Testing
import TestSupport

/// Encoder inputs of the three preprocessing forms against the official code and the
/// square-form recipe (`tools/make_sam_preprocessing_fixtures.py`, 64² model frame).
@Suite struct SAMPreprocessingTests {
    static let folder = TestPaths.fixtures.appendingPathComponent("sam")

    static func maxDifference(_ mode: SAMInputMode, _ reference: String) throws -> Float {
        let image = try PNG.readGray(folder.appendingPathComponent("image.png"))
        let ours = SAMInput(image: image, mode: mode, imageSize: 64).tensor
        let expected = try NPY.read(folder.appendingPathComponent(reference))
        #expect(ours.shape == expected.shape)
        return zip(ours.scalars, expected.floats()).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }

    @Test func predictorFormMatchesResizeLongestSideAndSamPreprocess() throws {
        // Pillow's uint8 resize is reproduced bit-exactly, so only float rounding may differ.
        #expect(try Self.maxDifference(.predictor, "predictor.npy") <= 1e-6)
    }

    @Test func squareFormWithSAMNormalisationMatchesRecipe() throws {
        #expect(try Self.maxDifference(.square(.sam), "square_sam.npy") <= 1e-5)
    }

    @Test func squareFormWithMinMaxNormalisationMatchesMedSAM() throws {
        #expect(try Self.maxDifference(.square(.minmax), "square_minmax.npy") <= 1e-6)
    }

    @Test func squareFormMapsPromptsAndMasksWithoutPadding() {
        let image = Raster(width: 40, height: 20, repeating: UInt8(0))
        let input = SAMInput(image: image, mode: .square(.sam), imageSize: 64)
        let mapped = input.modelCoordinates(x: 10, y: 5)
        #expect(mapped.x == 16 && mapped.y == 16)
        let low = Tensor.ones([1, 3, 16, 16])
        #expect(input.postprocess(low).shape == [1, 3, 20, 40])
    }
}
