import Formats
import Foundation
import NN
@testable import Refiners
@testable import SegmentAnything
import Tensor
import TestSupport
import Testing

/// The frequency adapter and the q/v LoRA that make I-MedSAM's encoder: the spectrum it reads
/// (against numpy), its gradient, and how it attaches to TinyViT and ViT encoders.
struct FrequencyAdapterTests {
    static func fixture(_ name: String) throws -> Tensor {
        let array = try NPY.read(TestPaths.fixtures.appendingPathComponent("tensor/rfft2_ortho_\(name).npy"))
        return Tensor(array.floats(), shape: array.shape)
    }

    static func maxDifference(_ a: Tensor, _ b: Tensor) -> Float {
        #expect(a.shape == b.shape)
        return zip(a.scalars, b.scalars).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }

    @Test("the adapter's amplitude and phase grids are numpy's full fft2 spectrum, rebuilt from the half spectrum")
    func fullSpectrumMatchesNumpy() throws {
        let x = try Self.fixture("input")  // (2, 3, 5, 6): B, C, H, W
        let tokens = x.permuted(0, 2, 3, 1)
        let amplitude = FrequencyAdapter.spectrum(of: tokens, .amplitude).permuted(0, 3, 1, 2)
        #expect(Self.maxDifference(amplitude, (try Self.fixture("full_magnitude") + 1).log()) < 1e-5)
        let phase = FrequencyAdapter.spectrum(of: tokens, .phase).permuted(0, 3, 1, 2).scalars
        let expected = try Self.fixture("full_phase").scalars, magnitude = try Self.fixture("full_magnitude").scalars
        for i in phase.indices where magnitude[i] > 1e-3 {
            // Angles are compared on the circle: on the negative real axis a zero imaginary
            // part's sign decides between π and −π, the same point.
            #expect(abs(remainder(phase[i] - expected[i], 2 * .pi)) < 1e-4, "phase \(i): \(phase[i]) vs numpy \(expected[i])")
        }
    }

    @Test("the adapter's gradient (input and both projections) matches finite differences")
    func adapterGradient() {
        var g = SeededGenerator(seed: 7)
        let adapter = FrequencyAdapter(channels: 4, hidden: 3, component: .amplitude, generator: &g)
        adapter.up.weight.value = Tensor.uniform([4, 3], low: -1, high: 1, generator: &g)
        let x0 = Tensor.uniform([1, 3, 4, 4], low: -1, high: 1, generator: &g)
        let projection = Tensor.uniform([1, 3, 4, 4], low: -1, high: 1, generator: &g)
        let x = x0.requiringGrad()
        (adapter(x) * projection).sum().backward()
        // Directional derivatives along the gradient, for the input and each projection's weight.
        let checks: [(String, Tensor, (Tensor) -> Void)] = [
            ("input", x.grad!, { _ in }),
            ("down.weight", adapter.down.weight.grad!, { adapter.down.weight.value = $0 }),
            ("up.weight", adapter.up.weight.grad!, { adapter.up.weight.value = $0 }),
        ]
        let bases = ["input": x0, "down.weight": adapter.down.weight.value.detached(), "up.weight": adapter.up.weight.value.detached()]
        for (name, gradient, set) in checks {
            let norm = gradient.squared().sum().item.squareRoot()
            #expect(norm > 1e-4, "\(name): gradient norm \(norm)")
            let numeric = FiniteDifference.derivative(step: 1e-2) { step in
                let moved = bases[name]! + gradient * (step / norm)
                set(moved)
                defer { set(bases[name]!) }
                return Double(noGrad { (adapter(name == "input" ? moved : x0) * projection).sum().item })
            }
            // Measured within 0.5 %; float32 rounding of a sum of ~50 terms over 2h allows ~1 %.
            #expect(abs(numeric - Double(norm)) < 0.02 * Double(norm), "\(name): directional derivative \(numeric) vs |g| \(norm)")
        }
    }

    @Test("attaching I-MedSAM's adapters keeps each encoder's output and freezes everything pretrained",
          arguments: ["tinyvit", "vit"])
    func attachingKeepsTheEncoderAndFreezesTheBase(_ family: String) throws {
        let sam = family == "vit" ? IMedSAMTestModels.tinyViTSAM() : IMedSAMTestModels.tinyTinyViTSAM()
        var g = SeededGenerator(seed: 3)
        let images = Tensor.uniform([1, 3, sam.config.imageSize, sam.config.imageSize], low: -1, high: 1, generator: &g)
        let before = noGrad { sam.image_encoder(images) }
        let baseKeys = Set(sam.stateDict().map(\.key))
        let model = try IMedSAM(sam: sam, config: IMedSAMConfig(decoder: IMedSAMTestModels.decoderConfig()))
        let after = noGrad { model.embed(images) }
        #expect(FrequencyAdapterTests.maxDifference(before, after) < 1e-5, "zero-initialised branches change nothing")
        let blocks = sam.image_encoder.namedModules().filter { $0.module is any AdaptableEncoderBlock }
        let adapters = sam.image_encoder.namedModules().filter { $0.module is FrequencyAdapter }
        #expect(!blocks.isEmpty && adapters.count == blocks.count, "one adapter per attention block")
        let trainable = model.trainableParameters().map(\.key)
        #expect(trainable.allSatisfy { !baseKeys.contains($0) }, "no pretrained tensor trains")
        #expect(trainable.allSatisfy { $0.hasPrefix("decoder.") || $0.contains(".adapter.") || LoRALinear.isAdapterKey($0) })
        #expect(trainable.contains { $0.contains(".adapter.") } && trainable.contains { LoRALinear.isAdapterKey($0) }
                && trainable.contains { $0.hasPrefix("decoder.") })
    }

    @Test("LoRA on a fused qkv changes only the query and value rows", arguments: ["tinyvit", "vit"])
    func loraTouchesOnlyQueryAndValue(_ family: String) throws {
        let sam = family == "vit" ? IMedSAMTestModels.tinyViTSAM() : IMedSAMTestModels.tinyTinyViTSAM()
        _ = try IMedSAM(sam: sam, config: IMedSAMConfig(frequencyAdapter: nil, decoder: IMedSAMTestModels.decoderConfig()))
        let attentions = sam.image_encoder.namedModules().compactMap { $0.module as? any FusedQKVAttention }
        #expect(!attentions.isEmpty)
        var g = SeededGenerator(seed: 5)
        for attention in attentions {
            let lora = try #require(attention.qkv as? LoRALinear)
            lora.lora_B.value = Tensor.uniform(lora.lora_B.shape, low: 0.5, high: 1, generator: &g)
            let weight = lora.weight.value.detached()
            lora.merge()
            let delta = (lora.weight.value - weight).abs().sum(axis: 1).scalars
            let qv = Set(attention.queryAndValueRows)
            #expect(qv.count == 2 * delta.count / 3)
            for (row, change) in delta.enumerated() {
                #expect(qv.contains(row) ? change > 0 : change == 0, "row \(row) (\(qv.contains(row) ? "q/v" : "k")) changed by \(change)")
            }
        }
    }
}
