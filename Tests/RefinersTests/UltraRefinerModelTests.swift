import Foundation
import NN
@testable import Refiners
@testable import SegmentAnything
import Tensor
import TestSupport
import Testing
@testable import TransUNetModel

/// The joint model end to end on tiny configurations: the refined loss's gradient reaches the
/// TransUNet through the prompts, matches finite differences, and a short joint training run
/// lowers the loss.
struct UltraRefinerModelTests {
    /// A TransUNet at 32² (non-hybrid, tiny) and a SAM with a 64² image and a 16-wide encoder.
    static func tinyModel(seed: UInt64 = 1) throws -> UltraRefinerModel {
        let transunet = try TransUNet(TransUNetConfig(imageSize: 32, hiddenSize: 16, numLayers: 1, numHeads: 2, mlpDim: 32,
                                                      resnet: nil, decoderChannels: [16, 8, 8, 4]), seed: seed)
        let sam = SAM(config: SAMConfig(encoderEmbedDim: 16, encoderDepth: 2, encoderNumHeads: 2,
                                        encoderGlobalAttnIndexes: [1], windowSize: 2, imageSize: 64), seed: seed + 1)
        // The soft box keeps every prompt differentiable (the hard box is a constant of M).
        return UltraRefinerModel(transunet: transunet, sam: sam,
                                 prompts: PromptGenerator(options: PromptOptions(boxMode: .soft(quantile: 0.05, temperature: 0.05))))
    }

    /// A phantom-like pair: a dark blob on speckle (coarse 32², SAM 64²) and its mask on SAM's 16² low-res grid.
    static func sample(_ index: Int) -> (coarse: Tensor, sam: Tensor, target: Tensor, labels: [Int]) {
        var g = SeededGenerator(seed: 100 + UInt64(index))
        let cx = Float(g.uniform(0.35, 0.65)), cy = Float(g.uniform(0.35, 0.65)), r = Float(g.uniform(0.15, 0.3))
        func image(_ n: Int) -> [Float] {
            (0..<(n * n)).map { i in
                let x = (Float(i % n) + 0.5) / Float(n), y = (Float(i / n) + 0.5) / Float(n)
                let inside = (x - cx) * (x - cx) + (y - cy) * (y - cy) < r * r
                return (inside ? 0.2 : 0.7) + 0.1 * Float(g.uniform(-1, 1))
            }
        }
        func mask(_ n: Int) -> [Float] {
            (0..<(n * n)).map { i in
                let x = (Float(i % n) + 0.5) / Float(n), y = (Float(i / n) + 0.5) / Float(n)
                return (x - cx) * (x - cx) + (y - cy) * (y - cy) < r * r ? 1 : 0
            }
        }
        let samImage = Tensor(image(64), shape: [1, 1, 64, 64]).repeated([1, 3, 1, 1])
        return (Tensor(image(32), shape: [1, 1, 32, 32]), samImage, Tensor(mask(16), shape: [1, 1, 16, 16]),
                mask(32).map { Int($0) })
    }

    static func loss(_ model: UltraRefinerModel, _ s: (coarse: Tensor, sam: Tensor, target: Tensor, labels: [Int])) -> RefinerLoss.Terms {
        let out = model(coarseInput: s.coarse, samInput: s.sam, frame: .square(64))
        return RefinerLoss()(coarseLogits: out.coarseLogits,
                             coarseTargets: Losses.oneHot(s.labels, batch: 1, classes: 2, height: 32, width: 32),
                             candidateLogits: out.candidateLogits, iouPredictions: out.iouPredictions,
                             refinedTargets: s.target, coarseInRefinedFrame: PromptGenerator.probabilityOnMaskGrid(out.coarseProbability, frame: .square(64)))
    }

    @Test func refinedLossGradientReachesTheTransUNetAndMatchesFiniteDifferences() throws {
        let model = try Self.tinyModel()
        let s = Self.sample(0)
        // The smooth part of the refined loss: the IoU-MSE targets and the change-penalty weight
        // are piecewise-constant in the masks (hard thresholds), so finite differences across a
        // pixel flip would measure a jump, not a derivative.
        func smoothRefined() -> Tensor {
            let t = Self.loss(model, s)
            return t.maskBCE + t.maskDice
        }
        model.zeroGrad()
        smoothRefined().backward()
        let parameters = model.transunet.namedParameters()
        let withGradient = parameters.filter { ($0.parameter.grad?.abs().sum().item ?? 0) > 0 }
        #expect(withGradient.count > parameters.count / 2, "\(withGradient.count) of \(parameters.count) TransUNet tensors got a gradient")
        // Directional derivative along the normalised gradient g/|g| of all TransUNet parameters:
        // central differences must give |g|. This checks the whole gradient vector at once, which
        // matters because with random SAM weights each single entry is tiny (~1e-6).
        let grads = parameters.map { $0.parameter.grad ?? $0.parameter.value.zerosLike() }
        let norm = grads.reduce(Float(0)) { $0 + $1.squared().sum().item }.squareRoot()
        #expect(norm > 1e-4, "gradient norm \(norm) too small to check")
        let bases = parameters.map { $0.parameter.value.detached() }
        let numeric = FiniteDifference.derivative(step: 0.01) { step in
            for ((_, p), (base, g)) in zip(parameters, zip(bases, grads)) { p.value = base + g * (step / norm) }
            defer { for ((_, p), base) in zip(parameters, bases) { p.value = base } }
            return Double(noGrad { smoothRefined().item })
        }
        // Loose on purpose: the loss (~1.7) is large against the derivative (~3e-3), so float32
        // rounding alone is ~1e-5/2h ≈ 4 % here, and the randomly initialised ReLU decoders put
        // many activations within a step of a kink (measured: 7–13 % at h = 1e-3…1e-2). A missing
        // or wrong path shows as a gross error; each prompt path is checked tightly below.
        #expect(abs(numeric - Double(norm)) < 0.2 * Double(norm), "directional derivative \(numeric) vs |g| \(norm)")
    }

    @Test(arguments: ["points", "box", "mask"])
    func eachPromptPassesTheRefinedLossGradientToTheCoarseProbability(_ prompt: String) throws {
        let model = try Self.tinyModel()
        let s = Self.sample(0)
        let embedding = noGrad { model.sam.image_encoder(s.sam) }
        var g = SeededGenerator(seed: 9)
        let m0 = Tensor.uniform([1, 32, 32], low: 0.2, high: 0.8, generator: &g)
        let generator = PromptGenerator(options: PromptOptions(points: prompt == "points", box: prompt == "box", mask: prompt == "mask",
                                                               boxMode: .soft(quantile: 0.05, temperature: 0.05)))
        func loss(_ m: Tensor) -> Tensor {
            let p = generator(m, frame: .square(64))
            var tensors = SAMPromptTensors(boxes: p.boxes, masks: p.maskInput)
            if let points = p.pointCoords { tensors.points = points; tensors.labels = [.foreground, .background] }
            let decoded = model.sam.decode(imageEmbedding: embedding, prompts: tensors, multimask: true)
            return Losses.binaryCrossEntropyWithLogits(decoded.lowRes, targets: s.target.expanded(to: decoded.lowRes.shape))
        }
        let m = m0.requiringGrad()
        loss(m).backward()
        let gradient = try #require(m.grad)
        let norm = gradient.squared().sum().item.squareRoot()
        #expect(norm > 1e-5)
        let numeric = FiniteDifference.derivative(step: 0.01) { step in Double(noGrad { loss(m0 + gradient * (step / norm)).item }) }
        // Measured agreement 0.1–0.3 %; the bar leaves room for float32 rounding (~1e-5/2h).
        #expect(abs(numeric - Double(norm)) < 0.02 * Double(norm) + 1e-6, "\(prompt): directional derivative \(numeric) vs |g| \(norm)")
    }

    @Test func jointTrainingLowersTheLossOnPhantoms() throws {
        let model = try Self.tinyModel(seed: 3)
        model.sam.image_encoder.setRequiresGrad(false)  // phase 3 with a frozen encoder
        let samples = (0..<4).map(Self.sample)
        var optimizer = AdamW(model.trainableParameters(), learningRate: 1e-3, weightDecay: 0)
        func average() -> Float { noGrad { samples.map { Self.loss(model, $0).joint.item }.reduce(0, +) / Float(samples.count) } }
        let before = average()
        for step in 0..<24 {
            model.zeroGrad()
            Self.loss(model, samples[step % samples.count]).joint.backward()
            optimizer.step()
        }
        let after = average()
        #expect(after < before * 0.9, "joint loss \(before) → \(after)")
    }
}
