import Formats
import Foundation
import Testing
import Tensor
import TestSupport
@testable import NN

/// The GRU cell against `torch.nn.GRUCell` (`tools/make_gru_fixtures.py`) and its gradients
/// against central differences.
struct GRUCellTests {
    static func fixture(_ name: String) throws -> Tensor {
        let array = try NPY.read(TestPaths.fixtures.appendingPathComponent("gru/\(name).npy"))
        return Tensor(array.floats(), shape: array.shape)
    }

    /// Largest |a − b| over the larger of 1 and the reference's largest magnitude.
    static func scaledError(_ actual: Tensor, _ expected: Tensor) -> Float {
        guard actual.shape == expected.shape else { return .infinity }
        let scale = max(1, expected.scalars.map(abs).max() ?? 1)
        return (zip(actual.scalars, expected.scalars).map { abs($0 - $1) }.max() ?? 0) / scale
    }

    /// A cell holding the fixture's weights, keyed as PyTorch keys them.
    static func fixtureCell() throws -> GRUCell {
        var generator = SeededGenerator(seed: 1)
        let cell = GRUCell(inputSize: 5, hiddenSize: 4, generator: &generator)
        var values: [String: Tensor] = [:]
        for key in ["weight_ih", "weight_hh", "bias_ih", "bias_hh"] { values[key] = try fixture(key) }
        try cell.load(values)
        return cell
    }

    @Test func parametersHavePyTorchsKeysShapesAndInitialisationBound() {
        var generator = SeededGenerator(seed: 3)
        let cell = GRUCell(inputSize: 7, hiddenSize: 16, generator: &generator)
        let shapes = Dictionary(uniqueKeysWithValues: cell.namedParameters().map { ($0.key, $0.parameter.shape) })
        #expect(shapes == ["weight_ih": [48, 7], "weight_hh": [48, 16], "bias_ih": [48], "bias_hh": [48]])
        let largest = cell.namedParameters().flatMap { $0.parameter.value.scalars.map(abs) }.max() ?? 0
        #expect(largest <= 0.25 && largest > 0.2, "U(−1/√H, 1/√H) with H = 16 reaches close to 0.25, got \(largest)")
    }

    @Test func statesAndGradientsMatchTorchGRUCell() throws {
        let cell = try Self.fixtureCell()
        let input = Parameter(try Self.fixture("input")), h0 = Parameter(try Self.fixture("h0"))
        let states = cell.run(input.value, hidden: h0.value)
        #expect(Self.scaledError(states, try Self.fixture("states")) < 2e-6)
        (states * (try Self.fixture("loss_weights"))).sum().backward()
        for (key, parameter) in cell.namedParameters() {
            #expect(Self.scaledError(parameter.grad!, try Self.fixture("\(key)_grad")) < 1e-5, "\(key)")
        }
        #expect(Self.scaledError(input.grad!, try Self.fixture("input_grad")) < 1e-5)
        #expect(Self.scaledError(h0.grad!, try Self.fixture("h0_grad")) < 1e-5)
    }

    @Test func gradientsMatchFiniteDifferences() {
        var generator = SeededGenerator(seed: 11)
        let cell = GRUCell(inputSize: 6, hiddenSize: 5, generator: &generator)
        let input = Tensor.randn([3, 2, 6], std: 1.5, generator: &generator)
        let weights = Tensor.randn([3, 2, 5], generator: &generator)
        let loss = { (cell.run(input) * weights).sum() }
        cell.zeroGrad()
        loss().backward()
        for (key, parameter) in cell.namedParameters() {
            let original = parameter.value
            let numeric = FiniteDifference.gradient(of: { values in
                parameter.value = Tensor(values, shape: original.shape)
                return Double(noGrad { loss().item })
            }, at: original.scalars, step: 1e-2)
            parameter.value = original
            // Smooth gates in float32: h = 1e-2 gives curvature error ~1e-4 and rounding ~1e-5.
            #expect(FiniteDifference.maxScaledError(parameter.grad!.scalars, numeric) < 1e-3, "\(key)")
        }
    }

    @Test func aClosedUpdateGateKeepsTheState() {
        // z = σ(large) ≈ 1 on every unit: h' = h whatever the input.
        var generator = SeededGenerator(seed: 5)
        let cell = GRUCell(inputSize: 3, hiddenSize: 2, generator: &generator)
        var bias = cell.bias_hh.value.scalars
        for i in 2..<4 { bias[i] = 40 }
        cell.bias_hh.value = Tensor(bias, shape: [6])
        let h = Tensor([0.3, -0.7], shape: [1, 2])
        let next = cell(Tensor([5, -2, 1], shape: [1, 3]), hidden: h)
        #expect(Self.scaledError(next, h) < 1e-6)
    }
}
