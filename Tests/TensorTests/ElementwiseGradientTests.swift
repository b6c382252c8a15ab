import Testing
@testable import Tensor

/// Gradients of the elementwise ops, including broadcasting, against finite differences.
struct ElementwiseGradientTests {
    @Test func addBroadcastsAndSumsGradientsBack() {
        expectGradientsMatch([Sample.uniform([2, 3, 4], seed: 1), Sample.uniform([3, 1], seed: 2)]) { $0[0] + $0[1] }
    }

    @Test func subtractBroadcastsLeadingAxes() {
        expectGradientsMatch([Sample.uniform([4], seed: 3), Sample.uniform([2, 3, 4], seed: 4)]) { $0[0] - $0[1] }
    }

    @Test func multiplyBroadcastsBothOperands() {
        expectGradientsMatch([Sample.uniform([2, 1, 4], seed: 5), Sample.uniform([3, 1], seed: 6)]) { $0[0] * $0[1] }
    }

    @Test func divideBroadcastsDenominator() {
        expectGradientsMatch([Sample.uniform([2, 3], seed: 7), Sample.uniform([3], 0.5, 1.5, seed: 8)]) { $0[0] / $0[1] }
    }

    @Test func scalarOperatorsCombine() {
        expectGradientsMatch([Sample.uniform([5], 0.5, 1.5, seed: 9)]) { x in
            (1 - x[0]) * 2 + x[0] / 4 - 3 + 2 / x[0] + (-x[0])
        }
    }

    @Test func tensorPowerDifferentiatesBaseAndExponent() {
        expectGradientsMatch([Sample.uniform([2, 3], 0.5, 1.5, seed: 10), Sample.uniform([3], -1, 2, seed: 11)]) {
            $0[0].pow($0[1])
        }
    }

    @Test func scalarPowers() {
        expectGradientsMatch([Sample.uniform([6], 0.5, 1.5, seed: 12)]) { x in
            x[0].pow(3) + x[0].squared() + x[0].pow(-0.5)
        }
    }

    @Test(arguments: ["exp", "log", "sqrt", "rsqrt", "abs", "sin", "cos", "clamp",
                      "sigmoid", "tanh", "relu", "gelu", "geluTanh"])
    func unaryGradient(_ name: String) {
        let positive = Sample.uniform([3, 4], 0.3, 2, seed: 13)
        // Wide range for the smooth activations so both tails and the centre are covered.
        let wide = Sample.awayFromZero([3, 4], seed: 14) * 3
        let ops: [String: (input: Tensor, op: (Tensor) -> Tensor)] = [
            "exp": (Sample.uniform([3, 4], seed: 15), { $0.exp() }),
            "log": (positive, { $0.log() }),
            "sqrt": (positive, { $0.sqrt() }),
            "rsqrt": (positive, { $0.rsqrt() }),
            "abs": (Sample.awayFromZero([3, 4], seed: 16), { $0.abs() }),
            "sin": (wide, { $0.sin() }),
            "cos": (wide, { $0.cos() }),
            // Bounds ±0.7 fall between the samples' ±0.2…1.2 range, never within a step.
            "clamp": (Tensor([-1.1, -0.9, -0.5, -0.3, 0.2, 0.4, 0.6, 0.8, 1.0, 1.2, -0.6, 0.65]).reshaped(3, 4),
                      { $0.clamped(min: -0.7, max: 0.7) }),
            "sigmoid": (wide, { $0.sigmoid() }),
            "tanh": (wide, { $0.tanh() }),
            "relu": (Sample.awayFromZero([3, 4], seed: 17), { $0.relu() }),
            "gelu": (wide, { $0.gelu() }),
            "geluTanh": (wide, { $0.gelu(approximate: .tanh) }),
        ]
        let (input, op) = ops[name]!
        expectGradientsMatch([input]) { op($0[0]) }
    }

    @Test func whereRoutesGradientToTheChosenSide() {
        let mask = Tensor([1, 0, 1, 0, 0, 1], shape: [2, 3])
        expectGradientsMatch([Sample.uniform([2, 3], seed: 18), Sample.uniform([3], seed: 19)]) {
            Tensor.where(mask, $0[0], $0[1])
        }
    }

    @Test func dropoutGradientUsesTheSameMask() {
        expectGradientsMatch([Sample.uniform([4, 5], seed: 20)]) { x in
            var generator = SeededGenerator(seed: 7)
            return x[0].dropout(0.3, mode: .training, generator: &generator)
        }
    }
}
