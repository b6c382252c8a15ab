import Tensor

/// PyTorch's default initialisations, drawn from a seeded generator so models built for
/// training from scratch (CPU presets, tests) are reproducible.
public enum Initialization {
    /// `kaiming_uniform_(a=√5)` as `nn.Linear`/`nn.Conv2d` use it: U(−1/√fanIn, 1/√fanIn).
    public static func defaultWeight(_ shape: [Int], fanIn: Int, generator: inout SeededGenerator) -> Tensor {
        let bound = 1 / Float(fanIn).squareRoot()
        return Tensor.uniform(shape, low: -bound, high: bound, generator: &generator)
    }

    /// The matching bias initialisation: U(−1/√fanIn, 1/√fanIn).
    public static func defaultBias(_ count: Int, fanIn: Int, generator: inout SeededGenerator) -> Tensor {
        defaultWeight([count], fanIn: fanIn, generator: &generator)
    }
}
