import NN
import SegmentAnything
import Tensor

/// Which part of the spectrum I-MedSAM's frequency adapter reads.
public enum FrequencyComponent: String, Codable, Sendable, CaseIterable {
    /// |F|, the paper's choice.
    case amplitude
    /// arg F, the ablation.
    case phase
}

/// I-MedSAM's frequency adapter, an `EncoderBlockAdapter`: the 2-D Fourier transform of the
/// block's input feature map (per channel, over the token grid), its amplitude or phase on the
/// full H×W frequency grid, then down-projection → GELU → up-projection over the channels;
/// the result is added to the block's output.
///
/// The amplitude enters as log(1 + |F|): with the orthonormal transform the zero frequency is
/// √(HW) × the channel mean, orders of magnitude above the rest, and the logarithm keeps the
/// projections' inputs on one scale across frequencies and grid sizes. The up-projection starts
/// at zero, so attaching the adapter leaves the pretrained encoder's output unchanged.
public final class FrequencyAdapter: EncoderBlockAdapter {
    public let down: Linear
    public let up: Linear
    /// The spectrum part it reads.
    public let component: FrequencyComponent

    /// An adapter for `channels`-wide tokens through `hidden` channels.
    public init(channels: Int, hidden: Int, component: FrequencyComponent, generator: inout SeededGenerator) {
        precondition(channels > 0 && hidden > 0, "a frequency adapter needs positive widths, not \(channels) → \(hidden)")
        down = Linear(inFeatures: channels, outFeatures: hidden, generator: &generator)
        up = Linear(inFeatures: hidden, outFeatures: channels, generator: &generator)
        up.weight.value = .zeros(up.weight.shape)
        up.bias?.value = .zeros([channels])
        self.component = component
    }

    public func callAsFunction(_ blockInput: Tensor) -> Tensor {
        up(down(Self.spectrum(of: blockInput, component)).gelu())
    }

    /// (B, H, W, C) tokens → (B, H, W, C): the chosen part of each channel's orthonormal 2-D
    /// spectrum at frequency (u, v) in place of token (u, v).
    static func spectrum(of tokens: Tensor, _ component: FrequencyComponent) -> Tensor {
        precondition(tokens.rank == 4, "the frequency adapter takes (B, H, W, C) tokens, got \(tokens.shape)")
        let height = tokens.shape[1], width = tokens.shape[2]
        let (real, imaginary) = tokens.permuted(0, 3, 1, 2).rfft2(normalization: .ortho)
        let half: Tensor
        switch component {
        case .amplitude: half = (Tensor.complexMagnitude(real: real, imaginary: imaginary) + 1).log()
        case .phase: half = Tensor.complexPhase(real: real, imaginary: imaginary)
        }
        return hermitianCompleted(half, height: height, width: width, conjugateNegates: component == .phase)
            .permuted(0, 2, 3, 1)
    }

    /// The full (…, H, W) grid of a real signal's spectrum quantity from its rfft half
    /// (…, H, W/2 + 1): F[u, v] = conj F[−u mod H, W − v], so the amplitude is mirrored and
    /// the phase mirrored and negated (`conjugateNegates`).
    static func hermitianCompleted(_ half: Tensor, height: Int, width: Int, conjugateNegates: Bool) -> Tensor {
        let stored = width / 2 + 1
        guard stored < width else { return half }
        let rows = (0..<height).map { (height - $0) % height }
        let columns = (stored..<width).map { width - $0 }
        var mirrored = half.indexSelect(axis: -2, rows).indexSelect(axis: -1, columns)
        if conjugateNegates { mirrored = mirrored * -1 }
        return Tensor.concatenate([half, mirrored], axis: half.rank - 1)
    }
}
