#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// How a discrete Fourier transform is scaled, with numpy's and PyTorch's names.
public enum FourierNormalization: Sendable {
    /// No scaling of the forward transform (`norm="backward"`, the default).
    case backward
    /// 1/√n on the forward transform, so it preserves energy (`norm="ortho"`).
    case ortho
    /// 1/n on the forward transform (`norm="forward"`).
    case forward

    /// The factor multiplying the unscaled transform over `n` points.
    func scale(points n: Int) -> Float {
        switch self {
        case .backward: 1
        case .ortho: Float(1 / Double(n).squareRoot())
        case .forward: Float(1 / Double(n))
        }
    }
}

extension Tensor {
    /// The 2-D discrete Fourier transform of a real tensor over its last two axes, keeping the
    /// non-redundant half of the last axis (`numpy.fft.rfft2` / `torch.fft.rfft2`): for input
    /// (…, H, W), real and imaginary parts of shape (…, H, W/2 + 1),
    /// `F[u, v] = s · Σ_{m,n} x[m, n] · e^{−2πi(um/H + vn/W)}` with `s` from `normalization`.
    ///
    /// Computed as two real matrix products per axis against cosine and sine tables (a dense
    /// DFT on BLAS, O(H·W·(H + W)) rather than a radix-2 FFT's O(H·W·log(H·W))): at the
    /// encoder grids it runs on (≤ 128 per side) the GEMMs are faster than a scalar butterfly
    /// loop, any H and W work, not only powers of two, and the gradient is the transposed
    /// products, which autograd derives from the matmuls themselves.
    public func rfft2(normalization: FourierNormalization = .backward) -> (real: Tensor, imaginary: Tensor) {
        precondition(rank >= 2, "rfft2 needs at least two axes, shape is \(shape)")
        let h = shape[rank - 2], w = shape[rank - 1]
        precondition(h > 0 && w > 0, "rfft2 of an empty grid \(shape)")
        let half = w / 2 + 1
        // Along the last axis: x · C and −x · S, with C[n, v] = cos(2πnv/W), S[n, v] = sin(2πnv/W).
        let (cosW, sinW) = Self.fourierTables(points: w, frequencies: half)
        let rowReal = matmul(cosW), rowImaginary = matmul(sinW) * -1
        // Along the second-to-last axis: (C_H − i·S_H) · (R + i·I). The square H tables are
        // symmetric, so this is (Rᵀ·C_H + Iᵀ·S_H)ᵀ etc.: one shared-right-operand GEMM each
        // instead of a left operand copied for every batch.
        let (cosH, sinH) = Self.fourierTables(points: h, frequencies: h)
        let scale = normalization.scale(points: h * w)
        let realT = rowReal.transposed(), imaginaryT = rowImaginary.transposed()
        let real = (realT.matmul(cosH) + imaginaryT.matmul(sinH)).transposed()
        let imaginary = (imaginaryT.matmul(cosH) - realT.matmul(sinH)).transposed()
        return scale == 1 ? (real, imaginary) : (real * scale, imaginary * scale)
    }

    /// (points, frequencies) tables `cos(2π·n·k/points)` and `sin(2π·n·k/points)`, with n·k
    /// reduced modulo `points` in integers and the angle taken in double precision, so large
    /// products lose no accuracy.
    static func fourierTables(points: Int, frequencies: Int) -> (cos: Tensor, sin: Tensor) {
        var cosines = [Float](repeating: 0, count: points * frequencies)
        var sines = cosines
        for n in 0..<points {
            for k in 0..<frequencies {
                let angle = 2 * Double.pi * Double(n * k % points) / Double(points)
                cosines[n * frequencies + k] = Float(cosine(angle))
                sines[n * frequencies + k] = Float(sine(angle))
            }
        }
        return (Tensor(cosines, shape: [points, frequencies]), Tensor(sines, shape: [points, frequencies]))
    }

    /// |z| of complex numbers given by their parts (`torch.abs` of a complex tensor). Its
    /// gradient is (re, im)/|z| and, as PyTorch defines it, zero where z = 0.
    public static func complexMagnitude(real: Tensor, imaginary: Tensor) -> Tensor {
        precondition(real.shape == imaginary.shape, "complex parts differ in shape: \(real.shape) and \(imaginary.shape)")
        let magnitude = zipped(real, imaginary, MagnitudeFunction())
        return recorded(magnitude, inputs: [real, imaginary]) { g in
            let common = zipped(g, magnitude, SafeDivideFunction())
            return [real.requiresGrad ? common * real : nil, imaginary.requiresGrad ? common * imaginary : nil]
        }
    }

    /// arg z ∈ (−π, π] of complex numbers given by their parts (`torch.angle`, `atan2(im, re)`).
    /// Its gradient is (−im, re)/|z|² and zero where z = 0.
    public static func complexPhase(real: Tensor, imaginary: Tensor) -> Tensor {
        precondition(real.shape == imaginary.shape, "complex parts differ in shape: \(real.shape) and \(imaginary.shape)")
        let phase = zipped(imaginary, real, Atan2Function())
        return recorded(phase, inputs: [real, imaginary]) { g in
            let common = zipped(g, zipped(real, imaginary, SquaredMagnitudeFunction()), SafeDivideFunction())
            return [real.requiresGrad ? common * imaginary * -1 : nil, imaginary.requiresGrad ? common * real : nil]
        }
    }
}

/// The libm functions, named apart from `Tensor`'s own `cos()`/`sin()` methods.
private func cosine(_ x: Double) -> Double { cos(x) }
private func sine(_ x: Double) -> Double { sin(x) }

struct MagnitudeFunction: BinaryFunction {
    @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { (a * a + b * b).squareRoot() }
}
struct SquaredMagnitudeFunction: BinaryFunction {
    @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a * a + b * b }
}
struct Atan2Function: BinaryFunction {
    @inline(__always) func callAsFunction(_ y: Float, _ x: Float) -> Float { atan2f(y, x) }
}
/// a / b, and 0 where b = 0: the convention of PyTorch's complex abs and angle gradients at 0.
struct SafeDivideFunction: BinaryFunction {
    @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { b == 0 ? 0 : a / b }
}
