import Imaging
import Pixels
import Tensor

/// How images enter SAM and how masks come back out.
public enum SAMInputMode: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    /// The official `SamPredictor`: Pillow resize of the longest side, normalise, zero-pad.
    case predictor
    /// The square form (MedSAM-style): bilinear resize to S×S ignoring the aspect ratio.
    case square(SquareNormalization)

    public var description: String {
        switch self {
        case .predictor: "predictor"
        case .square(let norm): "square-\(norm.rawValue)"
        }
    }
}

/// The normalisations of the square input form.
public enum SquareNormalization: String, Sendable, Equatable, Hashable, Codable, CaseIterable {
    /// UltraRefiner's: `(x − pixel_mean) / pixel_std` on 0…255 values.
    case sam
    /// MedSAM's: `(x − min) / max(max − min, 1e-8)`.
    case minmax
}

/// SAM's pixel statistics (ImageNet mean/std on the 0…255 scale), RGB order.
public enum SAMPixelStatistics {
    public static let mean: [Float] = [123.675, 116.28, 103.53]
    public static let std: [Float] = [58.395, 57.12, 57.375]
}

/// An image ready for the encoder, with the geometry needed to map prompts in and masks out.
public struct SAMInput: Sendable {
    /// (1, 3, S, S) normalised encoder input.
    public var tensor: Tensor
    /// The original image (height, width).
    public var originalSize: Size2D
    /// The un-padded resized image inside the S×S frame (height, width).
    public var inputSize: Size2D
    /// How it was prepared.
    public var mode: SAMInputMode
    /// The encoder's input side S.
    public var imageSize: Int

    /// Maps a point in original pixels to the model frame: separate x and y scales, computed in
    /// double and rounded to float32 once, as the reference feeds them.
    public func modelCoordinates(x: Double, y: Double) -> (x: Float, y: Float) {
        switch mode {
        case .predictor:
            return (Float(x * (Double(inputSize.w) / Double(originalSize.w))),
                    Float(y * (Double(inputSize.h) / Double(originalSize.h))))
        case .square:
            return (Float(x / Double(originalSize.w) * Double(imageSize)), Float(y / Double(originalSize.h) * Double(imageSize)))
        }
    }

    /// The inverse of `modelCoordinates`: a point of the model frame in original pixels.
    public func imageCoordinates(x: Float, y: Float) -> (x: Double, y: Double) {
        switch mode {
        case .predictor:
            return (Double(x) * Double(originalSize.w) / Double(inputSize.w),
                    Double(y) * Double(originalSize.h) / Double(inputSize.h))
        case .square:
            return (Double(x) * Double(originalSize.w) / Double(imageSize),
                    Double(y) * Double(originalSize.h) / Double(imageSize))
        }
    }

    /// Low-resolution logits (B, C, 4E, 4E) → logits at the original size, as the reference
    /// does it: predictor form up to S×S, crop, down to the original size; square form in
    /// one bilinear step. Neither antialiases.
    public func postprocess(_ lowRes: Tensor) -> Tensor {
        let bilinear = InterpolationMode.bilinear(alignCorners: false)
        switch mode {
        case .predictor:
            let full = lowRes.interpolated(size: Size2D(imageSize, imageSize), mode: bilinear)
            let cropped = full.slice(axis: 2, 0, inputSize.h).slice(axis: 3, 0, inputSize.w)
            return cropped.interpolated(size: originalSize, mode: bilinear)
        case .square:
            return lowRes.interpolated(size: originalSize, mode: bilinear)
        }
    }
}

extension SAMInput {
    /// Prepares a grayscale (1-channel, stacked to RGB as the reference does) or RGB image.
    public init(image: Raster<UInt8>, mode: SAMInputMode, imageSize: Int = 1024) {
        precondition(image.channels == 1 || image.channels == 3, "SAM takes grayscale or RGB images, not \(image.channels) channels")
        self.mode = mode
        self.imageSize = imageSize
        originalSize = Size2D(image.height, image.width)
        switch mode {
        case .predictor:
            let resizer = ResizeLongestSide(longSide: imageSize)
            let resized = resizer.apply(image)
            inputSize = Size2D(resized.height, resized.width)
            tensor = Self.normalisedPadded(resized, side: imageSize)
        case .square(let normalization):
            inputSize = Size2D(imageSize, imageSize)
            let pixels = Tensor(image.pixels.map(Float.init), shape: [1, image.channels, image.height, image.width])
            var x = pixels.interpolated(size: Size2D(imageSize, imageSize), mode: .bilinear(alignCorners: false))
            if image.channels == 1 { x = x.repeated([1, 3, 1, 1]) }
            switch normalization {
            case .sam:
                let mean = Tensor(SAMPixelStatistics.mean, shape: [1, 3, 1, 1])
                let std = Tensor(SAMPixelStatistics.std, shape: [1, 3, 1, 1])
                tensor = (x - mean) / std
            case .minmax:
                let low = x.min(), range = (x.max() - low).clamped(min: 1e-8)
                tensor = (x - low) / range
            }
        }
    }

    /// `(x − mean) / std` per channel in float32, then zero padding to S×S (zero in the
    /// normalised space, as the predictor pads after normalising).
    private static func normalisedPadded(_ image: Raster<UInt8>, side: Int) -> Tensor {
        var values = [Float](repeating: 0, count: 3 * side * side)
        for c in 0..<3 {
            let source = image.channels == 1 ? 0 : c
            let mean = SAMPixelStatistics.mean[c], std = SAMPixelStatistics.std[c]
            for y in 0..<image.height {
                for x in 0..<image.width {
                    values[(c * side + y) * side + x] = (Float(image[source, y, x]) - mean) / std
                }
            }
        }
        return Tensor(values, shape: [1, 3, side, side])
    }
}
