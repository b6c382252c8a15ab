import Imaging
import Pixels
import Tensor

/// How an image becomes a SAM-family encoder input, described once as independent choices,
/// so a new family (LiteMedSAM: longest side 256, area resampling, min–max) is a new value
/// rather than new code, and the embedding cache keys on exactly what was done.
///
/// Steps, in order: resample the image to the content size the geometry gives; stack a gray
/// image to RGB; normalise; zero-pad bottom/right to the S×S frame (the official predictor pads
/// after normalising, so the padding is zero in the normalised space).
public struct SAMPreprocessing: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Where the image sits in the S×S encoder frame.
    public enum Geometry: String, Sendable, Hashable, Codable, CaseIterable {
        /// Resized to S×S, ignoring the aspect ratio (MedSAM-style).
        case square
        /// The longest side fills S (rounded as `int(side · scale + 0.5)`), the rest is padding.
        case longestSide = "longest-side"
    }

    /// How pixels are resampled to the content size.
    public enum Resampler: String, Sendable, Hashable, Codable, CaseIterable {
        /// Pillow's bilinear on uint8, bit-exact with the official `SamPredictor`.
        case pillowBilinear = "pillow-bilinear"
        /// `F.interpolate(mode="bilinear", align_corners=False)` on float values, no antialiasing.
        case bilinear
        /// OpenCV's `INTER_AREA` on uint8, bit-exact (`AreaResample`), as LiteMedSAM resizes.
        /// When the image is smaller than the frame it grows, and OpenCV's `INTER_AREA` then is
        /// a bilinear-like two-tap filter; that is reproduced exactly too.
        case area
    }

    /// How prompts in original pixels are scaled into the frame under the longest-side
    /// geometry (the square geometry always scales each axis by S ÷ its side).
    public enum PromptScaling: String, Sendable, Hashable, Codable, CaseIterable {
        /// Separate x and y factors, content side ÷ original side, with the rounded content
        /// size (the official `SamPredictor`) or S (the square geometry).
        case perAxis = "per-axis"
        /// One factor S ÷ max(H, W) on both axes, as LiteMedSAM's recipe scales its boxes.
        case uniform
    }

    public var geometry: Geometry
    public var resampler: Resampler
    public var normalization: PixelNormalization
    public var promptScaling: PromptScaling

    /// Any combination of the choices.
    public init(geometry: Geometry, resampler: Resampler, normalization: PixelNormalization,
                promptScaling: PromptScaling = .perAxis) {
        self.geometry = geometry
        self.resampler = resampler
        self.normalization = normalization
        self.promptScaling = promptScaling
    }

    /// The official `SamPredictor`: Pillow resize of the longest side, SAM mean/std, zero padding.
    public static let samPredictor = SAMPreprocessing(geometry: .longestSide, resampler: .pillowBilinear, normalization: .sam)

    /// LiteMedSAM's recipe: OpenCV area resize of the longest side, min–max over the resized
    /// image, zero padding, boxes and points scaled by S ÷ max(H, W).
    public static let liteMedSAM = SAMPreprocessing(geometry: .longestSide, resampler: .area, normalization: .minMax,
                                                     promptScaling: .uniform)

    /// The square form: bilinear resize to S×S with the given normalisation (MedSAM uses min–max).
    public static func square(_ normalization: PixelNormalization) -> SAMPreprocessing {
        SAMPreprocessing(geometry: .square, resampler: .bilinear, normalization: normalization)
    }

    /// `geometry-resampler-normalization`, e.g. `longest-side-pillow-bilinear-sam`, with the
    /// prompt scaling appended when it is not the default (`longest-side-area-minmax-uniform`),
    /// so existing cache entries keep their names: names cache entries and prompt records.
    public var description: String {
        let base = "\(geometry.rawValue)-\(resampler.rawValue)-\(normalization.rawValue)"
        return promptScaling == .perAxis ? base : base + "-" + promptScaling.rawValue
    }

    /// The content size (height, width) of an image of `height`×`width` in an S×S frame.
    public func contentSize(height: Int, width: Int, side: Int) -> Size2D {
        switch geometry {
        case .longestSide:
            let size = ResizeLongestSide(longSide: side).targetSize(height: height, width: width)
            return Size2D(size.height, size.width)
        case .square:
            return Size2D(side, side)
        }
    }
}

/// The region of the S×S encoder frame that holds the image: what prompts are expressed in,
/// and what a coarse map must be mapped onto to become prompts.
public struct SAMFrame: Sendable, Equatable {
    /// The encoder's input side S.
    public var side: Int
    /// The un-padded image inside the frame (height, width), anchored top-left.
    public var content: Size2D
    /// Side of the model's low-resolution mask grid (4× the embedding side), where a mask
    /// prompt lives: S/4 for SAM's ViT (256 at 1024²), S itself for LiteMedSAM (256 at 256²).
    public var maskSide: Int

    /// A frame whose content region is `content`; `maskSide` defaults to ViT SAM's S/4.
    public init(side: Int, content: Size2D, maskSide: Int? = nil) {
        precondition(content.h <= side && content.w <= side, "content \(content) does not fit a \(side)² frame")
        self.side = side
        self.content = content
        self.maskSide = maskSide ?? side / 4
    }

    /// The content region scaled onto the mask grid, rounded up so no image row or column is
    /// lost: where mask prompts and mask targets hold the image.
    public var contentOnMaskGrid: Size2D {
        let scale = Double(maskSide) / Double(side)
        return Size2D(Int((Double(content.h) * scale).rounded(.up)), Int((Double(content.w) * scale).rounded(.up)))
    }

    /// A frame the image fills entirely (the square geometry, and batches of square inputs).
    public static func square(_ side: Int, maskSide: Int? = nil) -> SAMFrame {
        SAMFrame(side: side, content: Size2D(side, side), maskSide: maskSide)
    }
}

/// An image ready for the encoder, with the geometry needed to map prompts in and masks out.
public struct SAMInput: Sendable {
    /// (1, 3, S, S) normalised encoder input.
    public var tensor: Tensor
    /// The original image (height, width).
    public var originalSize: Size2D
    /// Where the image sits in the encoder frame.
    public var frame: SAMFrame
    /// How it was prepared.
    public var preprocessing: SAMPreprocessing

    /// Prepares an image for a model of `config` (its input side and mask grid).
    public init(image: Raster<UInt8>, preprocessing: SAMPreprocessing, config: SAMConfig) {
        self.init(image: image, preprocessing: preprocessing, side: config.imageSize, maskSide: config.lowResSize)
    }

    /// Prepares a grayscale (1-channel, stacked to RGB as the reference does) or RGB image for
    /// an encoder of input side `side` whose mask grid is `maskSide` (default ViT SAM's S/4).
    public init(image: Raster<UInt8>, preprocessing: SAMPreprocessing, side: Int, maskSide: Int? = nil) {
        precondition(image.channels == 1 || image.channels == 3, "SAM takes grayscale or RGB images, not \(image.channels) channels")
        self.preprocessing = preprocessing
        originalSize = Size2D(image.height, image.width)
        let content = preprocessing.contentSize(height: image.height, width: image.width, side: side)
        frame = SAMFrame(side: side, content: content, maskSide: maskSide)
        func floats(_ resized: Raster<UInt8>) -> Tensor {
            Tensor(resized.pixels.map(Float.init), shape: [1, image.channels, content.h, content.w])
        }
        var x: Tensor
        switch preprocessing.resampler {
        case .pillowBilinear:
            x = floats(PillowResample.bilinear(image, width: content.w, height: content.h))
        case .area:
            x = floats(AreaResample.resized(image, width: content.w, height: content.h))
        case .bilinear:
            x = Tensor(image.pixels.map(Float.init), shape: [1, image.channels, image.height, image.width])
                .interpolated(size: content, mode: .bilinear(alignCorners: false))
        }
        if image.channels == 1 { x = x.repeated([1, 3, 1, 1]) }
        x = preprocessing.normalization.apply(x)
        if content.h < side || content.w < side { x = x.padded([0, side - content.w, 0, side - content.h]) }
        tensor = x
    }

    /// Maps a point in original pixels to the model frame: scales computed in double and the
    /// result rounded to float32 once, as the reference feeds them.
    public func modelCoordinates(x: Double, y: Double) -> (x: Float, y: Float) {
        switch (preprocessing.geometry, preprocessing.promptScaling) {
        case (.longestSide, .uniform):
            let scale = Double(frame.side) / Double(max(originalSize.h, originalSize.w))
            return (Float(x * scale), Float(y * scale))
        case (.longestSide, .perAxis):
            return (Float(x * (Double(frame.content.w) / Double(originalSize.w))),
                    Float(y * (Double(frame.content.h) / Double(originalSize.h))))
        case (.square, _):
            return (Float(x / Double(originalSize.w) * Double(frame.side)), Float(y / Double(originalSize.h) * Double(frame.side)))
        }
    }

    /// The inverse of `modelCoordinates`: a point of the model frame in original pixels.
    public func imageCoordinates(x: Float, y: Float) -> (x: Double, y: Double) {
        if preprocessing.geometry == .longestSide && preprocessing.promptScaling == .uniform {
            let scale = Double(max(originalSize.h, originalSize.w)) / Double(frame.side)
            return (Double(x) * scale, Double(y) * scale)
        }
        return (Double(x) * Double(originalSize.w) / Double(frame.content.w), Double(y) * Double(originalSize.h) / Double(frame.content.h))
    }

    /// Prompts in original pixels as the prompt encoder takes them: the one mapping from a
    /// user's (or a sidecar's) coordinates into the model frame. A mask prompt passes through.
    public func promptTensors(_ prompt: SAMPrompt) -> SAMPromptTensors {
        var tensors = SAMPromptTensors()
        if !prompt.points.isEmpty {
            let coords = prompt.points.flatMap { p -> [Float] in
                let m = modelCoordinates(x: p.x, y: p.y)
                return [m.x, m.y]
            }
            tensors.points = Tensor(coords, shape: [1, prompt.points.count, 2])
            tensors.labels = prompt.points.map(\.label)
        }
        if let box = prompt.box {
            precondition(box.count == 4, "a box has four coordinates x1, y1, x2, y2")
            let a = modelCoordinates(x: box[0], y: box[1]), b = modelCoordinates(x: box[2], y: box[3])
            tensors.boxes = Tensor([a.x, a.y, b.x, b.y], shape: [1, 4])
        }
        tensors.masks = prompt.maskInput?.unsqueezed(0)
        return tensors
    }

    /// Low-resolution logits (B, C, 4E, 4E) → logits at the original size, as the reference
    /// does it: up to S×S, crop the content, down to the original size (one bilinear step when
    /// the content is the whole frame). Neither step antialiases.
    public func postprocess(_ lowRes: Tensor) -> Tensor {
        let bilinear = InterpolationMode.bilinear(alignCorners: false)
        switch preprocessing.geometry {
        case .longestSide:
            let full = lowRes.interpolated(size: Size2D(frame.side, frame.side), mode: bilinear)
            let cropped = full.slice(axis: 2, 0, frame.content.h).slice(axis: 3, 0, frame.content.w)
            return cropped.interpolated(size: originalSize, mode: bilinear)
        case .square:
            return lowRes.interpolated(size: originalSize, mode: bilinear)
        }
    }
}
