import Foundation
import NN
@testable import Refiners
@testable import SegmentAnything
import Tensor
import TestSupport
import Testing

/// I-MedSAM's implicit decoder: gradients, the MC-dropout variance, that the fine INR touches
/// only the points it was given, and that a short seeded training run learns.
struct ImplicitDecoderTests {
    static func inputs(seed: UInt64, side: Int = 4) -> (embedding: Tensor, prompt: Tensor) {
        var g = SeededGenerator(seed: seed)
        return (Tensor.uniform([1, 256, side, side], low: -1, high: 1, generator: &g),
                Tensor.uniform([1, 2, 256], low: -1, high: 1, generator: &g))
    }

    /// A box prompt as fractions of the encoder input's side.
    static let box: [Float] = [0.2, 0.3, 0.7, 0.9]

    @Test("box features place the box's corners at ±1 and its centre at 0, through the image's place in the input")
    func boxFeatures() {
        // The image fills the input's full width and its top half: y = 1 is halfway down the input.
        let points = QueryPoints(xy: [0.2, 0.6, 0.7, 1.8, 0.45, 1.2], content: (1, 0.5))
        let uv = points.boxFeatures(box: Self.box, frequencies: 0).scalars
        #expect(zip(uv, [-1, -1, 1, 1, 0, 0] as [Float]).allSatisfy { abs($0 - $1) < 1e-5 }, "\(uv)")
        let gamma = QueryPoints(xy: [0.2, 0.3]).boxFeatures(box: Self.box, frequencies: 1).scalars
        #expect(gamma.count == 6 && abs(gamma[3] - cos(-Float.pi)) < 1e-6, "\(gamma)")
    }

    @Test("with box coordinates the prediction follows the box; without them (older checkpoints) it cannot")
    func boxCoordinatesReachThePrediction() throws {
        let (embedding, prompt) = Self.inputs(seed: 21)
        let points = QueryPoints.grid(height: 4, width: 4)
        for frequencies in [2, nil] as [Int?] {
            var config = IMedSAMTestModels.decoderConfig()
            config.boxFrequencies = frequencies
            var g = SeededGenerator(seed: 22)
            let decoder = ImplicitDecoder(config: config, generator: &g)
            decoder.setTraining(false)
            let a = noGrad { decoder(embedding: embedding, prompt: prompt, box: Self.box, points: points, seed: 1).coarseLogits.scalars }
            let b = noGrad { decoder(embedding: embedding, prompt: prompt, box: [0.5, 0.5, 0.6, 0.6], points: points, seed: 1).coarseLogits.scalars }
            let change = zip(a, b).map { abs($0 - $1) }.max()!
            #expect(frequencies == nil ? change == 0 : change > 1e-3, "box frequencies \(String(describing: frequencies)): change \(change)")
        }
        // A config written before box coordinates existed has no such key: it decodes to none.
        let old = #"{"hiddenWidth":8,"fourierFrequencies":3,"dropout":0.2,"monteCarloPasses":8,"uncertainFraction":0.25}"#
        let decoded = try JSONDecoder().decode(ImplicitDecoderConfig.self, from: Data(old.utf8))
        #expect(decoded.boxFrequencies == nil)
    }

    @Test("Fourier features are x, y and sin/cos of 2^k·π·x, 2^k·π·y")
    func fourierFeatures() {
        let gamma = QueryPoints(xy: [0.25, 0.5]).fourierFeatures(frequencies: 2).scalars
        let expected: [Float] = [0.25, 0.5, sin(.pi / 4), cos(.pi / 4), sin(.pi / 2), cos(.pi / 2),
                                 sin(.pi / 2), cos(.pi / 2), sin(.pi), cos(.pi)]
        #expect(zip(gamma, expected).allSatisfy { abs($0 - $1) < 1e-6 }, "\(gamma)")
    }

    @Test("bilinear point sampling hits cell centres exactly, interpolates between them, and clamps at the border")
    func bilinearSampling() {
        // A 2×2 grid with one channel: values 0, 1 / 2, 3.
        let map = Tensor([0, 1, 2, 3], shape: [4, 1])
        let points = QueryPoints(xy: [0.25, 0.25, 0.75, 0.75, 0.5, 0.5, 0, 0, 0.5, 0.25])
        let values = points.sampled(from: map, side: 2).scalars
        #expect(zip(values, [0, 3, 1.5, 0, 0.5] as [Float]).allSatisfy { abs($0 - $1) < 1e-6 }, "\(values)")
        // The image covering only the top half of the encoder input: y = 1 is the grid's middle row.
        let half = QueryPoints(xy: [0.25, 1], content: (1, 0.5)).sampled(from: map, side: 2).scalars
        #expect(abs(half[0] - 1) < 1e-6, "\(half)")
    }

    @Test("the decoder's gradient (embedding, prompt and weights) matches finite differences")
    func decoderGradient() {
        var g = SeededGenerator(seed: 11)
        // No dropout, and every point refined: the prediction is then a smooth function. (With
        // a fraction below 1 the choice of points would hang on variances that are all zero but
        // for rounding, and a finite-difference step could change it.)
        var config = IMedSAMTestModels.decoderConfig(width: 6, dropout: 0)
        config.uncertainFraction = 1
        let decoder = ImplicitDecoder(config: config, generator: &g)
        let (embedding0, prompt0) = Self.inputs(seed: 12)
        let points = QueryPoints.grid(height: 3, width: 5)
        let targets = Tensor((0..<15).map { Float($0 % 2) })
        func loss(_ embedding: Tensor, _ prompt: Tensor) -> Tensor {
            ImplicitDecoder.loss(decoder(embedding: embedding, prompt: prompt, box: Self.box, points: points, seed: 1), targets: targets,
                                 coarseWeight: 0.7).total
        }
        let embedding = embedding0.requiringGrad(), prompt = prompt0.requiringGrad()
        decoder.zeroGrad()
        loss(embedding, prompt).backward()
        let parameters = decoder.namedParameters()
        #expect(parameters.allSatisfy { $0.parameter.grad != nil }, "every decoder weight gets a gradient")
        let grads = [embedding.grad!, prompt.grad!] + parameters.map { $0.parameter.grad! }
        let norm = grads.reduce(Float(0)) { $0 + $1.squared().sum().item }.squareRoot()
        let bases = parameters.map { $0.parameter.value.detached() }
        let numeric = FiniteDifference.derivative(step: 1e-2) { step in
            let scale = step / norm
            for (i, (_, p)) in parameters.enumerated() { p.value = bases[i] + grads[i + 2] * scale }
            defer { for (i, (_, p)) in parameters.enumerated() { p.value = bases[i] } }
            return Double(noGrad { loss(embedding0 + grads[0] * scale, prompt0 + grads[1] * scale).item })
        }
        // Measured within 1 %; the exact-erf GELU is smooth, so only float32 rounding remains.
        #expect(abs(numeric - Double(norm)) < 0.03 * Double(norm), "directional derivative \(numeric) vs |g| \(norm)")
    }

    @Test("MC-dropout variance equals the two-point variance p(1−p)(σ(a) − σ(0))² when one unit carries the logit")
    func monteCarloVarianceOfAKnownCase() {
        var g = SeededGenerator(seed: 21)
        let p: Float = 0.3, passes = 4000
        let decoder = ImplicitDecoder(config: ImplicitDecoderConfig(hiddenWidth: 4, fourierFrequencies: 1, dropout: p,
                                                                    monteCarloPasses: passes, uncertainFraction: 0.5),
                                      generator: &g)
        // Hidden features constant 2 whatever the first layer gives (zero weights, bias 2);
        // the logit reads unit 0 alone with weight 1, so after dropout it is 2/(1−p) or 0.
        decoder.coarse_hidden.weight.value = .zeros([4, 4])
        decoder.coarse_hidden.bias!.value = .full([4], 2)
        decoder.coarse_out.weight.value = Tensor([1, 0, 0, 0], shape: [1, 4])
        decoder.coarse_out.bias!.value = .zeros([1])
        let feature = Tensor(2).gelu().item
        let a = feature / (1 - p)
        let sigmoid = { (x: Float) in 1 / (1 + exp(-x)) }
        let expected = p * (1 - p) * (sigmoid(a) - 0.5) * (sigmoid(a) - 0.5)
        let first = Tensor.uniform([3, 4], low: -1, high: 1, generator: &g)
        let variance = decoder.monteCarloVariance(first, seed: 9).scalars
        // 4000 Bernoulli draws: the sample variance's relative sd is ≈ |1 − 2p|/√(T·p(1−p)) ≈ 1.4 %.
        for v in variance { #expect(abs(v - expected) < 0.06 * expected, "variance \(v) vs \(expected)") }
    }

    @Test("the fine INR replaces exactly the top-K most uncertain points and leaves the rest coarse")
    func fineChangesOnlySampledPoints() {
        var g = SeededGenerator(seed: 31)
        let decoder = ImplicitDecoder(config: IMedSAMTestModels.decoderConfig(), generator: &g)
        let (embedding, prompt) = Self.inputs(seed: 32)
        let points = QueryPoints.grid(height: 5, width: 8)
        let prediction = noGrad { decoder(embedding: embedding, prompt: prompt, box: Self.box, points: points, seed: 4) }
        #expect(prediction.uncertain.count == 10, "⌈25 % of 40⌉")
        let variance = prediction.variance.scalars
        let threshold = prediction.uncertain.map { variance[$0] }.min()!
        let chosen = Set(prediction.uncertain)
        #expect(variance.indices.filter { !chosen.contains($0) }.allSatisfy { variance[$0] <= threshold }, "the chosen are the most uncertain")
        let coarse = prediction.coarseLogits.scalars, final = prediction.logits.scalars
        for i in coarse.indices {
            if chosen.contains(i) {
                #expect(coarse[i] != final[i], "point \(i) was refined")
            } else {
                #expect(coarse[i] == final[i], "point \(i) was not chosen yet changed")
            }
        }
    }

    @Test("inference (chunked, coarse features recomputed for the chosen points) equals the recorded single pass in evaluation mode")
    func inferenceEqualsTrainingPath() {
        var g = SeededGenerator(seed: 51)
        let decoder = ImplicitDecoder(config: IMedSAMTestModels.decoderConfig(), generator: &g)
        let (embedding, prompt) = Self.inputs(seed: 52)
        let points = QueryPoints.grid(height: 6, width: 7)
        let recorded = decoder(embedding: embedding.requiringGrad(), prompt: prompt, box: Self.box, points: points, seed: 3)
        let inferred = noGrad { decoder(embedding: embedding, prompt: prompt, box: Self.box, points: points, seed: 3) }
        #expect(recorded.uncertain == inferred.uncertain)
        #expect(zip(recorded.logits.scalars, inferred.logits.scalars).allSatisfy { abs($0 - $1) < 1e-6 })
    }

    @Test("predictions at two output sizes agree where their points coincide")
    func anyOutputSize() {
        var g = SeededGenerator(seed: 41)
        let decoder = ImplicitDecoder(config: IMedSAMTestModels.decoderConfig(), generator: &g)
        let (embedding, prompt) = Self.inputs(seed: 42)
        let small = noGrad { decoder(embedding: embedding, prompt: prompt, box: Self.box, points: .grid(height: 2, width: 2), seed: 1) }
        // The 6² grid's pixel centres include the 2² grid's (row/column 1 and 4 of 6 are at 0.25, 0.75).
        let large = noGrad { decoder(embedding: embedding, prompt: prompt, box: Self.box, points: .grid(height: 6, width: 6), seed: 1) }
        #expect(large.coarseLogits.shape == [36])
        for (i, (r, c)) in [(1, 1), (1, 4), (4, 1), (4, 4)].enumerated() {
            #expect(abs(small.coarseLogits.scalars[i] - large.coarseLogits.scalars[r * 6 + c]) < 1e-5)
        }
    }

    @Test("seeded short I-MedSAM training (TinyViT, adapters + LoRA + decoder) lowers the loss and leaves the base unchanged")
    func shortTrainingLowersTheLoss() throws {
        let sam = IMedSAMTestModels.tinyTinyViTSAM(seed: 2)
        let baseBefore = sam.stateDict()
        let model = try IMedSAM(sam: sam, config: IMedSAMConfig(decoder: IMedSAMTestModels.decoderConfig(width: 16)), seed: 3)
        let samples = (0..<3).map { IMedSAMTestModels.disc(side: 32, seed: 50 + UInt64($0)) }
        let points = QueryPoints.grid(height: 16, width: 16)
        // Targets at the 16² query grid: the 32² mask at each point's pixel.
        let targets = samples.map { s in
            Tensor((0..<256).map { i in s.mask[(2 * (i / 16) + 1) * 32 + 2 * (i % 16) + 1] })
        }
        var optimizer = AdamW(model.trainableParameters(), learningRate: 3e-3, weightDecay: 0)
        func loss(_ i: Int, seed: UInt64) -> Tensor {
            let prediction = model.predict(embedding: model.embed(samples[i].image), box: samples[i].box, points: points, seed: seed)
            return ImplicitDecoder.loss(prediction, targets: targets[i], coarseWeight: 0.5).total
        }
        func average() -> Float { noGrad { (0..<3).map { loss($0, seed: 1).item }.reduce(0, +) / 3 } }
        let before = average()
        // Only the decoder trains in training mode: the frozen encoder's batch norms keep their statistics.
        model.decoder.setTraining(true)
        for step in 0..<30 {
            model.zeroGrad()
            loss(step % 3, seed: UInt64(step)).backward()
            optimizer.step()
        }
        model.decoder.setTraining(false)
        let after = average()
        #expect(after < before * 0.8, "loss \(before) → \(after)")
        let baseAfter = Dictionary(uniqueKeysWithValues: sam.stateDict().map { ($0.key, $0.value) })
        for (key, value) in baseBefore {
            #expect(baseAfter[key]?.scalars == value.scalars, "pretrained \(key) changed")
        }
    }
}
