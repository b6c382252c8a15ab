import NN
import Tensor
import TestSupport
import Testing
import TransUNetModel

/// Autograd of each TransUNet part against central finite differences.
///
/// Each part runs on its own small input, so gradients are O(0.1–10) rather than attenuated by
/// the rest of the network. L = Σ part(x)·r for a fixed random r; for every checked parameter
/// up to four elements with the largest analytic gradient are perturbed by ±h (h = 1e-3, small
/// enough that few ReLU kinks are crossed). float32 rounding in L (|L| ≲ 50) contributes
/// ~50·6e-8/2e-3 ≈ 2e-3 to the numeric gradient, so we accept |analytic − numeric| ≤
/// 5e-3 + 3 %·|numeric|: a missing term or wrong factor is off by tens of percent.
struct TransUNetGradientTests {
    /// Checks `parameters` (by key below `module`) of `part` at `inputs`.
    func expectGradientsMatch(_ module: some Module, _ keys: [String], step h: Float = 1e-3,
                              sourceLocation: SourceLocation = #_sourceLocation, _ part: () -> Tensor) throws {
        let output = noGrad { part() }
        var generator = SeededGenerator(seed: 99)
        let projection = Tensor.uniform(output.shape, low: -1, high: 1, generator: &generator)
        func loss() -> Double {
            noGrad { zip(part().scalars, projection.scalars).reduce(0) { $0 + Double($1.0) * Double($1.1) } }
        }
        module.zeroGrad()
        part().backward(projection)
        let parameters = Dictionary(uniqueKeysWithValues: module.namedParameters().map { ($0.key, $0.parameter) })
        for key in keys {
            let parameter = try #require(parameters[key], "no parameter \(key)", sourceLocation: sourceLocation)
            let analytic = try #require(parameter.grad, "no gradient reached \(key)", sourceLocation: sourceLocation).scalars
            // Up to four of the largest entries, skipping those far below the largest (e.g. a dead
            // ReLU channel), whose differences would only measure noise.
            let ranked = analytic.indices.sorted { abs(analytic[$0]) > abs(analytic[$1]) }
            let largest = ranked.prefix(4).filter { abs(analytic[$0]) >= 0.2 * abs(analytic[ranked[0]]) }
            let original = parameter.value
            let numerics = FiniteDifference.partials(of: { values in
                parameter.value = Tensor(values, shape: original.shape)
                return loss()
            }, at: original.scalars, step: h, coordinates: largest)
            parameter.value = original
            for (index, numeric) in zip(largest, numerics) {
                #expect(abs(numeric) > 0.05, "\(key)[\(index)]: gradient \(numeric) too small to check",
                        sourceLocation: sourceLocation)
                #expect(abs(Double(analytic[index]) - numeric) <= 5e-3 + 0.03 * abs(numeric),
                        "\(key)[\(index)]: analytic \(analytic[index]) vs numeric \(numeric)", sourceLocation: sourceLocation)
            }
        }
    }

    func sample(_ shape: [Int], seed: UInt64, std: Float = 1) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        return Tensor.randn(shape, std: std, generator: &generator)
    }

    @Test func standardizedConvolution() throws {
        var generator = SeededGenerator(seed: 1)
        let conv = StdConv2d(inChannels: 4, outChannels: 3, kernelSize: 3, stride: 2, padding: 1, generator: &generator)
        let x = sample([2, 4, 6, 6], seed: 2)
        try expectGradientsMatch(conv, ["weight"]) { conv(x) }
    }

    @Test func bottleneckConvolutionsAndGroupNorms() throws {
        var generator = SeededGenerator(seed: 3)
        let unit = PreActBottleneck(inChannels: 32, outChannels: 64, midChannels: 32, stride: 2, generator: &generator)
        let x = sample([1, 32, 5, 5], seed: 4)
        try expectGradientsMatch(unit, ["conv1.weight", "gn1.weight", "conv2.weight", "gn2.bias", "gn3.weight",
                                        "downsample.weight", "gn_proj.weight", "gn_proj.bias"]) { unit(x) }
    }

    @Test func patchAndPositionEmbeddings() throws {
        var generator = SeededGenerator(seed: 5)
        let config = TransUNetConfig(imageSize: 32, hiddenSize: 8, numLayers: 1, numHeads: 2, mlpDim: 16, resnet: nil)
        let embeddings = Embeddings(config, generator: &generator)
        let x = sample([1, 3, 32, 32], seed: 6)
        try expectGradientsMatch(embeddings, ["patch_embeddings.weight", "patch_embeddings.bias", "position_embeddings"]) {
            embeddings(x).tokens
        }
    }

    @Test func attentionMlpAndLayerNorms() throws {
        var generator = SeededGenerator(seed: 7)
        let config = TransUNetConfig(imageSize: 32, hiddenSize: 16, numLayers: 1, numHeads: 2, mlpDim: 32, resnet: nil)
        let block = EncoderBlock(config, generator: &generator)
        let x = sample([2, 5, 16], seed: 8)
        try expectGradientsMatch(block, ["attn.query.weight", "attn.key.weight", "attn.value.bias", "attn.out.weight",
                                         "ffn.fc1.weight", "ffn.fc2.bias", "attention_norm.weight", "ffn_norm.bias"]) {
            block(x)
        }
    }

    @Test func decoderConvolutionsAndBatchNorms() throws {
        var generator = SeededGenerator(seed: 9)
        let block = DecoderBlock(inChannels: 6, outChannels: 5, skipChannels: 3, generator: &generator)
        // Running statistics away from (0, 1), so eval-mode BN is a real affine map.
        for (key, entry) in block.namedEntries() {
            guard case .buffer(let buffer) = entry else { continue }
            if key.hasSuffix("running_mean") { buffer.value = sample(buffer.shape, seed: 10, std: 0.3) }
            if key.hasSuffix("running_var") { buffer.value = sample(buffer.shape, seed: 11, std: 0.3).exp() }
        }
        let x = sample([1, 6, 3, 3], seed: 12), skip = sample([1, 3, 6, 6], seed: 13)
        try expectGradientsMatch(block, ["conv1.0.weight", "conv1.1.weight", "conv1.1.bias", "conv2.0.weight",
                                         "conv2.1.weight"]) { block(x, skip: skip) }
    }

    @Test func segmentationHead() throws {
        var generator = SeededGenerator(seed: 14)
        let head = SegmentationHead(inChannels: 4, classes: 2, generator: &generator)
        let x = sample([1, 4, 6, 6], seed: 15)
        try expectGradientsMatch(head, ["0.weight", "0.bias"]) { head(x) }
    }

    /// The parts compose: every parameter of a whole (small) model receives a finite, nonzero
    /// gradient from the logits.
    @Test func everyParameterOfTheModelReceivesAGradient() throws {
        let config = TransUNetConfig(imageSize: 32, hiddenSize: 16, numLayers: 1, numHeads: 2, mlpDim: 32,
                                     resnet: ResNetConfig(unitsPerStage: [1, 1, 1], widthFactor: 0.5),
                                     decoderChannels: [16, 8, 8, 4])
        let model = try TransUNet(config, seed: 16)
        var generator = SeededGenerator(seed: 17)
        model.transformer.embeddings.position_embeddings.value = Tensor.randn([1, 4, 16], generator: &generator)
        let x = Tensor.uniform([2, 1, 32, 32], generator: &generator)
        model(x).foregroundProbability().mean().backward()
        for (key, parameter) in model.namedParameters() {
            let grad = try #require(parameter.grad, "no gradient for \(key)").scalars
            #expect(grad.allSatisfy(\.isFinite) && grad.contains { $0 != 0 }, "\(key): gradient all zero or not finite")
        }
    }
}
