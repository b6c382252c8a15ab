import Foundation
import Testing
import Tensor
import NN
@testable import Models

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
                                 prompts: PromptGenerator(options: PromptOptions(boxMode: .soft(quantile: 0.05, temperature: 0.05)),
                                                          frame: .square(64)))
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
        let out = model(coarseInput: s.coarse, samInput: s.sam)
        let coarseLowRes = out.coarseProbability.unsqueezed(1).interpolated(size: Size2D(16, 16), mode: .bilinear(alignCorners: false))
        return RefinerLoss()(coarseLogits: out.coarseLogits,
                             coarseTargets: Losses.oneHot(s.labels, batch: 1, classes: 2, height: 32, width: 32),
                             candidateLogits: out.candidateLogits, iouPredictions: out.iouPredictions,
                             refinedTargets: s.target, coarseInRefinedFrame: coarseLowRes)
    }

    @Test func refinedLossGradientReachesTheTransUNetAndMatchesFiniteDifferences() throws {
        let model = try Self.tinyModel()
        let s = Self.sample(0)
        model.zeroGrad()
        Self.loss(model, s).refined.backward()
        let parameters = model.transunet.namedParameters()
        let withGradient = parameters.filter { ($0.parameter.grad?.abs().sum().item ?? 0) > 0 }
        #expect(withGradient.count > parameters.count / 2, "\(withGradient.count) of \(parameters.count) TransUNet tensors got a gradient")
        // Central differences on the segmentation head's weights (the last layer before the prompts).
        let head = try #require(parameters.first { $0.key == "segmentation_head.0.weight" }).parameter
        let analytic = try #require(head.grad).scalars
        #expect(analytic.map(abs).max()! > 1e-3, "the head's gradient is too small to test against differences")
        let base = head.value.scalars
        let h: Float = 1e-2
        var checked = 0
        for i in stride(from: 0, to: base.count, by: max(1, base.count / 6)) {
            var plus = base, minus = base
            plus[i] += h; minus[i] -= h
            head.value = Tensor(plus, shape: head.shape)
            let up = noGrad { Self.loss(model, s).refined.item }
            head.value = Tensor(minus, shape: head.shape)
            let down = noGrad { Self.loss(model, s).refined.item }
            head.value = Tensor(base, shape: head.shape)
            let numeric = (up - down) / (2 * h)
            // Float32 losses of O(1) over 2h give ~1e-5 rounding; hard IoU targets and the chosen
            // candidate are constants unless a step flips them, which this tolerance would expose.
            #expect(abs(numeric - analytic[i]) < 2e-3 + 5e-2 * abs(numeric), "weight \(i): \(numeric) vs \(analytic[i])")
            checked += 1
        }
        #expect(checked >= 5)
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
