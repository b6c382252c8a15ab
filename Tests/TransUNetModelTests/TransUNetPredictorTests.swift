import Formats
import Imaging
import Pixels
import Tensor
import TestSupport
import Testing
import TransUNetModel

/// The coarse stage's pre- and post-processing against PyTorch (`predictor.npz`, made by
/// `tools/transunet/make_predictor_fixtures.py`).
struct TransUNetPredictorTests {
    let arrays: [String: NPYArray]
    let predictor: TransUNetPredictor

    init() throws {
        arrays = try NPZ.read(TransUNetFixtures.committed.appendingPathComponent("predictor.npz"))
        predictor = TransUNetPredictor(model: try TransUNet(TransUNetConfig.cpuTiny.withImageSize(32)))
    }

    func array(_ key: String) throws -> NPYArray { try #require(arrays[key], "predictor.npz lacks \(key)") }

    @Test func imagesAreResizedBilinearlyAndScaledToUnitRange() throws {
        let image = try array("image")
        let raster = Raster(width: image.shape[1], height: image.shape[0], pixels: try image.uint8s())
        let expected = try array("input_32")
        // PyTorch's float32 arithmetic, reproduced to rounding.
        #expect(maxAbsDifference(predictor.input(for: raster), Tensor(expected.floats(), shape: expected.shape)) <= 1e-6)
    }

    @Test func imagesAtTheModelSizeAreUsedAsIs() {
        let pixels = (0..<(32 * 32)).map { UInt8(($0 * 37) % 256) }
        let input = predictor.input(for: Raster(width: 32, height: 32, pixels: pixels))
        #expect(input.shape == [1, 1, 32, 32])
        #expect(maxAbsDifference(input, Tensor(pixels.map { Float($0) / 255 }, shape: [1, 1, 32, 32])) == 0)
    }

    @Test func maskIsTheResizedProbabilityThresholdedAtOneHalf() throws {
        let probability = try array("probability")
        let mask = TransUNetPredictor.mask(Tensor(probability.floats(), shape: probability.shape), width: 7, height: 9)
        #expect(mask.width == 7 && mask.height == 9)
        #expect(mask.pixels == (try array("mask_9x7").uint8s()))
    }

    @Test func foregroundProbabilityIsAMapInTheUnitInterval() {
        let probability = predictor.foregroundProbability(Raster(width: 50, height: 40, repeating: 128))
        #expect(probability.shape == [32, 32])
        #expect(probability.scalars.allSatisfy { $0 >= 0 && $0 <= 1 })
    }
}
