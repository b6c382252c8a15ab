import SegmentAnything
import Tensor

/// Which prompts to produce, for ablations, and how the box is made.
public struct PromptOptions: Sendable, Equatable {
    /// How the box prompt is derived from the probability map.
    public enum BoxMode: Sendable, Equatable {
        /// The extent of `M > 0.5`, as SAM's own mask-to-box does; no gradient flows through it.
        case hard
        /// Soft quantiles of the row and column mass: the box edges are the positions where the
        /// cumulative mass crosses `quantile` and `1 − quantile`, counted with sigmoids of
        /// `temperature` so the edges are differentiable in M.
        case soft(quantile: Float, temperature: Float)
    }

    public var points = true
    public var box = true
    public var mask = true
    public var boxMode: BoxMode = .hard
    /// Guards the centroid denominators against an empty map.
    public var epsilon: Float = 1e-6

    public init(points: Bool = true, box: Bool = true, mask: Bool = true, boxMode: BoxMode = .hard) {
        self.points = points
        self.box = box
        self.mask = mask
        self.boxMode = boxMode
    }
}

/// SAM prompts for a batch, in SAM's input frame (pixel coordinates of the S×S encoder input).
public struct GeneratedPrompts {
    /// (B, 2, 2): the positive then the negative point, as (x, y); labels are `pointLabels`.
    public var pointCoords: Tensor?
    /// Labels of the two points: 1 (positive), 0 (negative).
    public let pointLabels: [Int] = [1, 0]
    /// (B, 4): x1, y1, x2, y2.
    public var boxes: Tensor?
    /// (B, 1, M, M) mask logits on SAM's low-resolution grid (M = `frame.maskSide`), padded.
    public var maskInput: Tensor?
    /// For each item, whether nothing exceeded 0.5 and the box fell back to the whole image.
    public var emptyPrediction: [Bool]

    /// The prompts as SAM's prompt encoder takes them.
    public var samPromptTensors: SAMPromptTensors {
        var tensors = SAMPromptTensors()
        if let pointCoords {
            tensors.points = pointCoords
            tensors.labels = pointLabels.map { $0 == 1 ? PointLabel.foreground : .background }
        }
        tensors.boxes = boxes
        tensors.masks = maskInput
        return tensors
    }
}

/// The differentiable prompt generator: turns the coarse foreground probability M (B×H×W, in
/// [0, 1]) into SAM prompts without cutting the gradient to the coarse network.
///
/// - Positive point: the soft-argmax centroid `Σ M·(x, y) / (Σ M + ε)`.
/// - Negative point: the same centroid of `(1 − M)` restricted to the box (a soft indicator of
///   the soft box in soft mode, so every prompt is then differentiable in M).
/// - Box: the extent of `M > 0.5` (or the soft box). When nothing exceeds 0.5 the box is the
///   whole image: SAM then segments the most salient structure instead of an arbitrary
///   centred guess, and `emptyPrediction` reports it.
/// - Mask prompt: `(2M − 1)·10`, bilinearly resized onto the content region of the model's
///   low-resolution mask grid (`frame.maskSide`²) and padded with −10 (confident background)
///   where the frame is padding.
///
/// Grid pixel centres map to frame pixel centres: `x_frame = (x + 0.5)·s − 0.5`, with separate
/// x and y scales `s = content / grid`, matching how SAM treats coordinates as pixel indices.
///
/// The frame is an argument of each call, taken from the `SAMInput` the image embedding was
/// made from (`input.frame`), so prompts and embedding can never disagree about it.
public struct PromptGenerator: Sendable {
    public var options: PromptOptions

    public init(options: PromptOptions = PromptOptions()) {
        self.options = options
    }

    /// Prompts for a (B, H, W) probability map, in `frame`.
    public func callAsFunction(_ probability: Tensor, frame: SAMFrame) -> GeneratedPrompts {
        precondition(probability.rank == 3, "PromptGenerator expects B×H×W probabilities, got \(probability.shape)")
        let batch = probability.shape[0], height = probability.shape[1], width = probability.shape[2]
        let xs = Tensor.arange(0, Float(width)).reshaped([1, 1, width])
        let ys = Tensor.arange(0, Float(height)).reshaped([1, height, 1])

        let hard = hardBoxes(probability.detached())
        var prompts = GeneratedPrompts(emptyPrediction: hard.map(\.empty))

        let boxesInGrid: Tensor
        switch options.boxMode {
        case .hard:
            boxesInGrid = Tensor(hard.flatMap { $0.box }, shape: [batch, 4])
        case .soft(let quantile, let temperature):
            boxesInGrid = softBoxes(probability, quantile: quantile, temperature: temperature)
        }

        if options.points {
            let positive = centroid(probability, xs: xs, ys: ys)
            let inside: Tensor
            switch options.boxMode {
            case .hard:
                // The hard extent: the restriction is a constant mask.
                inside = Tensor(hard.flatMap { item -> [Float] in
                    var mask = [Float](repeating: 0, count: height * width)
                    let (x1, y1, x2, y2) = (Int(item.box[0]), Int(item.box[1]), Int(item.box[2]), Int(item.box[3]))
                    for y in y1...y2 { for x in x1...x2 { mask[y * width + x] = 1 } }
                    return mask
                }, shape: [batch, height, width])
            case .soft:
                // A soft indicator of the soft box (one-pixel edges), so the negative point too
                // moves continuously with M.
                let b = boxesInGrid
                func edge(_ coordinate: Tensor, _ lower: Tensor, _ upper: Tensor) -> Tensor {
                    (coordinate - lower + 0.5).sigmoid() * (upper - coordinate + 0.5).sigmoid()
                }
                let across = edge(xs, b.slice(axis: 1, 0, 1).unsqueezed(2), b.slice(axis: 1, 2, 3).unsqueezed(2))
                let down = edge(ys, b.slice(axis: 1, 1, 2).unsqueezed(2), b.slice(axis: 1, 3, 4).unsqueezed(2))
                inside = across * down
            }
            let negative = centroid((1 - probability) * inside, xs: xs, ys: ys)
            prompts.pointCoords = Tensor.stack([positive, negative], axis: 1)  // (B, 2, 2)
                .mapToFrame(gridWidth: width, gridHeight: height, frame: frame)
        }
        if options.box {
            prompts.boxes = boxesInGrid.reshaped([batch, 2, 2])
                .mapToFrame(gridWidth: width, gridHeight: height, frame: frame)
                .reshaped([batch, 4])
        }
        if options.mask {
            prompts.maskInput = maskPrompt(probability, frame: frame)
        }
        return prompts
    }

    /// (B, 2): the M-weighted mean position (x, y) of each item.
    func centroid(_ weights: Tensor, xs: Tensor, ys: Tensor) -> Tensor {
        let total = weights.sum(axes: [1, 2]) + options.epsilon
        let cx = (weights * xs).sum(axes: [1, 2]) / total
        let cy = (weights * ys).sum(axes: [1, 2]) / total
        return Tensor.stack([cx, cy], axis: 1)
    }

    /// Extent of `M > 0.5` per item as inclusive pixel indices, or the whole grid when empty.
    func hardBoxes(_ probability: Tensor) -> [(box: [Float], empty: Bool)] {
        let batch = probability.shape[0], height = probability.shape[1], width = probability.shape[2]
        let values = probability.scalars
        return (0..<batch).map { b in
            var x1 = width, y1 = height, x2 = -1, y2 = -1
            for y in 0..<height {
                for x in 0..<width where values[(b * height + y) * width + x] > 0.5 {
                    x1 = min(x1, x); x2 = max(x2, x); y1 = min(y1, y); y2 = max(y2, y)
                }
            }
            if x2 < 0 { return ([0, 0, Float(width - 1), Float(height - 1)], true) }
            return ([Float(x1), Float(y1), Float(x2), Float(y2)], false)
        }
    }

    /// (B, 4) soft box from the cumulative row and column mass.
    func softBoxes(_ probability: Tensor, quantile: Float, temperature: Float) -> Tensor {
        let columns = softEdges(probability.sum(axis: 1), quantile: quantile, temperature: temperature)  // (B, 2)
        let rows = softEdges(probability.sum(axis: 2), quantile: quantile, temperature: temperature)
        return Tensor.concatenate([columns.slice(axis: 1, 0, 1), rows.slice(axis: 1, 0, 1),
                                   columns.slice(axis: 1, 1, 2), rows.slice(axis: 1, 1, 2)], axis: 1)
    }

    /// For a (B, N) mass profile: the soft positions where its normalised cumulative sum
    /// crosses `q` and `1 − q` (the number of cells still below each level, counted softly).
    func softEdges(_ mass: Tensor, quantile q: Float, temperature: Float) -> Tensor {
        let n = mass.shape[1]
        let total = mass.sum(axis: 1, keepDims: true) + options.epsilon
        // Cumulative sum as a product with an upper-triangular matrix of ones (differentiable).
        var triangle = [Float](repeating: 0, count: n * n)
        for i in 0..<n { for j in i..<n { triangle[i * n + j] = 1 } }
        let cumulative = (mass / total).matmul(Tensor(triangle, shape: [n, n]))
        let lower = ((cumulative * -1 + q) / temperature).sigmoid().sum(axis: 1)
        let upper = ((cumulative * -1 + (1 - q)) / temperature).sigmoid().sum(axis: 1)
        return Tensor.stack([lower, upper], axis: 1)
    }

    /// `(2M − 1)·10` resized onto the content part of the model's low-resolution mask grid,
    /// padded with −10.
    func maskPrompt(_ probability: Tensor, frame: SAMFrame) -> Tensor {
        Self.onMaskGrid((probability * 2 - 1) * 10, frame: frame, padding: -10)
    }

    /// (B, 1, M, M): the (B, H, W) probability where the mask prompt puts it on the model's
    /// low-resolution grid, 0 on the padding — the coarse map as the refined loss compares it.
    public static func probabilityOnMaskGrid(_ probability: Tensor, frame: SAMFrame) -> Tensor {
        onMaskGrid(probability, frame: frame, padding: 0)
    }

    /// A (B, H, W) map bilinearly resized onto the content part of the M×M mask grid and padded.
    static func onMaskGrid(_ map: Tensor, frame: SAMFrame, padding: Float) -> Tensor {
        let grid = frame.maskSide, content = frame.contentOnMaskGrid
        let resized = map.unsqueezed(1).interpolated(size: content, mode: .bilinear(alignCorners: false))
        guard content.h < grid || content.w < grid else { return resized }
        return resized.padded([0, grid - content.w, 0, grid - content.h], value: padding)
    }
}

extension Tensor {
    /// Maps (…, 2) grid coordinates (x, y) to SAM frame coordinates, pixel centre to pixel centre.
    fileprivate func mapToFrame(gridWidth: Int, gridHeight: Int, frame: SAMFrame) -> Tensor {
        let sx = Float(frame.content.w) / Float(gridWidth)
        let sy = Float(frame.content.h) / Float(gridHeight)
        let scale = Tensor([sx, sy], shape: [2])
        let shift = Tensor([0.5 * sx - 0.5, 0.5 * sy - 0.5], shape: [2])
        return self * scale + shift
    }
}
