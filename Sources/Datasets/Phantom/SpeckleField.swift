import Foundation
import Tensor

/// Fully developed speckle, formed the way a scanner forms it: every resolution cell holds a
/// random phasor (Rayleigh amplitude, uniform phase) scaled by the local mean brightness,
/// the field is blurred by the system's point-spread function, and the image is its
/// envelope (magnitude). A blurred circular-Gaussian field is still circular Gaussian, so
/// in a homogeneous region the envelope is exactly Rayleigh distributed (mean/std =
/// sqrt(pi / (4 - pi)) ≈ 1.91) while its grains are as large as the PSF.
enum SpeckleField {
    /// Gaussian PSF widths in pixels: ultrasound resolution is finer along the beam (axial,
    /// rows) than across it (lateral, columns).
    static let axialSigma = 0.8
    static let lateralSigma = 1.6

    /// Normalised 1-D Gaussian taps out to 3 sigma.
    static func gaussianTaps(sigma: Double) -> [Double] {
        let radius = Int((3 * sigma).rounded(.up))
        let taps = (-radius...radius).map { exp(-Double($0 * $0) / (2 * sigma * sigma)) }
        let total = taps.reduce(0, +)
        return taps.map { $0 / total }
    }

    /// The speckled envelope of `meanBrightness` (row-major `height`×`width`): each pixel's
    /// expected value is the mean brightness wherever that is locally constant.
    static func envelope(meanBrightness: [Double], width: Int, height: Int,
                         using rng: inout SeededGenerator) -> [Double] {
        let rowTaps = gaussianTaps(sigma: axialSigma)
        let columnTaps = gaussianTaps(sigma: lateralSigma)
        let ry = rowTaps.count / 2, rx = columnTaps.count / 2
        // The PSF sums rowTaps ⊗ columnTaps phasors; its squared norm sets the field's
        // variance, so the Rayleigh scale is chosen to make the envelope's mean 1.
        let squaredNorm = rowTaps.map { $0 * $0 }.reduce(0, +) * columnTaps.map { $0 * $0 }.reduce(0, +)
        let rayleighScale = 1 / (squaredNorm.squareRoot() * (Double.pi / 2).squareRoot())

        // Scatterers on a padded grid so that border pixels see a full PSF support.
        let paddedW = width + 2 * rx, paddedH = height + 2 * ry
        var real = [Double](repeating: 0, count: paddedW * paddedH)
        var imaginary = real
        for py in 0..<paddedH {
            let y = min(max(py - ry, 0), height - 1)
            for px in 0..<paddedW {
                let x = min(max(px - rx, 0), width - 1)
                // 1 - U lies in (0, 1], so the logarithm is finite.
                let amplitude = rayleighScale * (-2 * log(1 - rng.uniform())).squareRoot()
                let phase = 2 * Double.pi * rng.uniform()
                let scale = meanBrightness[y * width + x] * amplitude
                real[py * paddedW + px] = scale * cos(phase)
                imaginary[py * paddedW + px] = scale * sin(phase)
            }
        }
        let blurredReal = convolve(real, paddedW: paddedW, paddedH: paddedH,
                                   rowTaps: rowTaps, columnTaps: columnTaps)
        let blurredImaginary = convolve(imaginary, paddedW: paddedW, paddedH: paddedH,
                                        rowTaps: rowTaps, columnTaps: columnTaps)
        return zip(blurredReal, blurredImaginary).map { ($0 * $0 + $1 * $1).squareRoot() }
    }

    /// Separable "valid" convolution: the padded field in, the unpadded image grid out.
    static func convolve(_ field: [Double], paddedW: Int, paddedH: Int,
                         rowTaps: [Double], columnTaps: [Double]) -> [Double] {
        let ry = rowTaps.count / 2, rx = columnTaps.count / 2
        let width = paddedW - 2 * rx, height = paddedH - 2 * ry
        var horizontal = [Double](repeating: 0, count: width * paddedH)
        for y in 0..<paddedH {
            for x in 0..<width {
                var sum = 0.0
                for (k, tap) in columnTaps.enumerated() { sum += tap * field[y * paddedW + x + k] }
                horizontal[y * width + x] = sum
            }
        }
        var result = [Double](repeating: 0, count: width * height)
        for y in 0..<height {
            for x in 0..<width {
                var sum = 0.0
                for (k, tap) in rowTaps.enumerated() { sum += tap * horizontal[(y + k) * width + x] }
                result[y * width + x] = sum
            }
        }
        return result
    }
}
