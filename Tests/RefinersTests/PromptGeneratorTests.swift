import Foundation
import Pixels
@testable import Refiners
import SegmentAnything
import Tensor
import TestSupport
import Testing

/// The differentiable prompt generator: geometry of each prompt, the empty fallback,
/// ablation switches, and gradients that reach the coarse probability.
struct PromptGeneratorTests {
    /// A soft disc of radius `r` centred at (cx, cy) on an h×w grid: a plausible coarse output.
    func disc(_ h: Int, _ w: Int, cx: Float, cy: Float, r: Float) -> Tensor {
        var values = [Float](repeating: 0, count: h * w)
        for y in 0..<h {
            for x in 0..<w {
                let d = ((Float(x) - cx) * (Float(x) - cx) + (Float(y) - cy) * (Float(y) - cy)).squareRoot()
                values[y * w + x] = 1 / (1 + Foundation.exp(d - r))
            }
        }
        return Tensor(values, shape: [1, h, w])
    }

    @Test func positivePointIsTheProbabilityCentroidMappedToTheFrame() throws {
        let m = disc(28, 28, cx: 10, cy: 17, r: 5)
        let prompts = PromptGenerator()(m, frame: .square(112))
        let p = try #require(prompts.pointCoords).scalars
        // The grid is 28 wide in a 112 frame: scale 4, pixel centre x → 4x + 1.5.
        // The disc is symmetric around (10, 17) except where the tails are clipped by the border.
        #expect(abs(p[0] - (4 * 10 + 1.5)) < 0.05 && abs(p[1] - (4 * 17 + 1.5)) < 0.05)
    }

    @Test func hardBoxIsTheExtentAboveOneHalf() throws {
        var values = [Float](repeating: 0.1, count: 20 * 30)
        for y in 4...9 { for x in 7...21 { values[y * 30 + x] = 0.9 } }
        let prompts = PromptGenerator(options: PromptOptions(mask: false))(
            Tensor(values, shape: [1, 20, 30]), frame: SAMFrame(side: 30, content: Size2D(20, 30)))
        #expect(try #require(prompts.boxes).scalars == [7, 4, 21, 9])
        #expect(prompts.emptyPrediction == [false])
    }

    @Test func emptyPredictionFallsBackToTheWholeImage() throws {
        let prompts = PromptGenerator()(Tensor.full([2, 16, 16], 0.2), frame: .square(64))
        #expect(prompts.emptyPrediction == [true, true])
        let boxes = try #require(prompts.boxes).scalars
        #expect(boxes == [1.5, 1.5, 61.5, 61.5, 1.5, 1.5, 61.5, 61.5])  // pixel 0 and 15 centres, scale 4
    }

    @Test func negativePointLiesInsideTheBoxWhereProbabilityIsLow() throws {
        // Foreground in the left part of the box region only: the negative point moves right.
        var values = [Float](repeating: 0, count: 20 * 20)
        for y in 5...14 { for x in 5...14 { values[y * 20 + x] = x < 9 ? 1 : 0.6 } }
        let prompts = PromptGenerator()(Tensor(values, shape: [1, 20, 20]), frame: .square(20))
        let p = try #require(prompts.pointCoords).scalars
        let (nx, ny) = (p[2], p[3])
        #expect(nx >= 5 && nx <= 14 && ny >= 5 && ny <= 14)
        #expect(nx > p[0])
    }

    @Test func maskPromptIsScaledLogitsOnThePaddedGrid() throws {
        // The frame of a 420×300 image in the official predictor's 1024² input: content 1024×731.
        let frame = SAMInput(image: Raster(width: 420, height: 300, repeating: UInt8(0)), preprocessing: .samPredictor,
                             side: 1024).frame
        #expect(frame == SAMFrame(side: 1024, content: Size2D(731, 1024)))
        let prompts = PromptGenerator()(Tensor.full([1, 8, 8], 0.75), frame: frame)
        let mask = try #require(prompts.maskInput)
        #expect(mask.shape == [1, 1, 256, 256])
        #expect(mask[0, 0, 0, 0] == 5)       // (2·0.75 − 1)·10
        #expect(mask[0, 0, 182, 255] == 5)   // last content row: ceil(731/4) = 183 rows
        #expect(mask[0, 0, 183, 0] == -10)   // padding below the content
    }

    @Test func maskPromptFillsLiteMedSAMsFullResolutionMaskGrid() throws {
        // LiteMedSAM: a 256² input whose mask grid is 256² too, content 256×192 (a portrait image).
        let frame = SAMFrame(side: 256, content: Size2D(256, 192), maskSide: 256)
        let mask = try #require(PromptGenerator()(Tensor.full([1, 8, 8], 0.75), frame: frame).maskInput)
        #expect(mask.shape == [1, 1, 256, 256])
        #expect(mask[0, 0, 255, 191] == 5 && mask[0, 0, 0, 192] == -10)
    }

    @Test func ablationSwitchesLeaveOutPrompts() {
        let prompts = PromptGenerator(options: PromptOptions(points: false, box: true, mask: false))(
            disc(16, 16, cx: 8, cy: 8, r: 4), frame: .square(64))
        #expect(prompts.pointCoords == nil && prompts.maskInput == nil && prompts.boxes != nil)
    }

    @Test func softBoxApproachesTheHardExtent() throws {
        var values = [Float](repeating: 0, count: 32 * 32)
        for y in 10...19 { for x in 6...25 { values[y * 32 + x] = 1 } }
        let m = Tensor(values, shape: [1, 32, 32])
        let soft = PromptGenerator(options: PromptOptions(boxMode: .soft(quantile: 0.01, temperature: 0.001)))(
            m, frame: .square(32))
        let b = try #require(soft.boxes).scalars
        // Mass starts at column 6: the cumulative share first exceeds 1% there; it ends at 25.
        #expect(abs(b[0] - 6) < 0.6 && abs(b[1] - 10) < 0.6 && abs(b[2] - 25) < 0.6 && abs(b[3] - 19) < 0.6)
    }

    /// Central finite differences of a scalar function of M against its autograd gradient.
    func checkGradient(_ options: PromptOptions, output: (GeneratedPrompts) -> Tensor) throws {
        var g = SeededGenerator(seed: 4)
        let base = (Tensor.uniform([1, 6, 7], low: 0.05, high: 0.95, generator: &g)).scalars
        let weights = Tensor.uniform([16], low: -1, high: 1, generator: &g)
        let generator = PromptGenerator(options: options)
        func value(_ v: [Float]) -> Double {
            let o = output(generator(Tensor(v, shape: [1, 6, 7]), frame: .square(28))).reshaped([-1])
            return Double((o * weights.slice(axis: 0, 0, o.count)).sum().item)
        }
        let m = Tensor(base, shape: [1, 6, 7]).requiringGrad()
        let o = output(generator(m, frame: .square(28))).reshaped([-1])
        (o * weights.slice(axis: 0, 0, o.count)).sum().backward()
        let analytic = try #require(m.grad).scalars
        let checked = Array(stride(from: 0, to: base.count, by: 5))
        let numerics = FiniteDifference.partials(of: value, at: base, step: 1e-2, coordinates: checked)
        for (i, numeric) in zip(checked, numerics) {
            // Float32 forward values of size ~30 with h = 1e-2: rounding error ~ 30·6e-8/1e-2 ≈ 2e-4.
            #expect(abs(numeric - Double(analytic[i])) < 2e-3 + 2e-2 * abs(numeric), "element \(i): \(numeric) vs \(analytic[i])")
        }
    }

    @Test func pointGradientsMatchFiniteDifferences() throws {
        try checkGradient(PromptOptions(box: false, mask: false)) { $0.pointCoords! }
    }

    @Test func softModePointGradientsMatchFiniteDifferences() throws {
        try checkGradient(PromptOptions(box: false, mask: false, boxMode: .soft(quantile: 0.1, temperature: 0.2))) { $0.pointCoords! }
    }

    @Test func softBoxGradientsMatchFiniteDifferences() throws {
        try checkGradient(PromptOptions(points: false, mask: false, boxMode: .soft(quantile: 0.1, temperature: 0.2))) { $0.boxes! }
    }

    @Test func maskPromptGradientsMatchFiniteDifferences() throws {
        try checkGradient(PromptOptions(points: false, box: false)) { $0.maskInput!.slice(axis: 2, 0, 2) }
    }
}
