import Foundation
import NN
import Tensor

/// Point labels as SAM encodes them.
public enum PointLabel: Int, Sendable, Codable {
    /// The padding point SAM adds when there is no box: its encoding is replaced by `not_a_point_embed`.
    case notAPoint = -1
    /// A background (negative) click.
    case background = 0
    /// A foreground (positive) click.
    case foreground = 1
}

/// Prompts in the model's S×S input frame (after preprocessing), ready for the prompt encoder.
///
/// Coordinates are tensors so that callers (the UltraRefiner prompt generator) can
/// differentiate through them.
public struct SAMPromptTensors: Sendable {
    /// (B, N, 2) point coordinates (x, y), or nil.
    public var points: Tensor?
    /// Labels of the N points (shared by the batch).
    public var labels: [PointLabel]
    /// (B, 4) boxes x1, y1, x2, y2, or nil.
    public var boxes: Tensor?
    /// (B, 1, 4·E, 4·E) mask logits in the low-resolution frame, or nil.
    public var masks: Tensor?

    /// Any mix of the three prompt kinds.
    public init(points: Tensor? = nil, labels: [PointLabel] = [], boxes: Tensor? = nil, masks: Tensor? = nil) {
        self.points = points
        self.labels = labels
        self.boxes = boxes
        self.masks = masks
    }

    /// The batch size the prompts imply (1 without any prompt).
    public var batchSize: Int { points?.shape[0] ?? boxes?.shape[0] ?? masks?.shape[0] ?? 1 }
}

/// `PositionEmbeddingRandom`: random Fourier features of normalised coordinates.
public final class PositionEmbeddingRandom: Module {
    /// (2, 128) Gaussian matrix, a buffer in PyTorch.
    public let positional_encoding_gaussian_matrix: Buffer

    /// A random (2, numPosFeats) Gaussian matrix; checkpoints overwrite it.
    public init(numPosFeats: Int, generator: inout SeededGenerator) {
        positional_encoding_gaussian_matrix = Buffer(Tensor.randn([2, numPosFeats], generator: &generator))
    }

    /// Coordinates in [0, 1] (…, 2) → (…, 2·feats): `[sin, cos](2π (2c − 1) G)`.
    func encode(_ coords: Tensor) -> Tensor {
        let projected = (coords * 2 - 1).matmul(positional_encoding_gaussian_matrix.value) * (2 * Float.pi)
        return Tensor.concatenate([projected.sin(), projected.cos()], axis: -1)
    }

    /// The dense (C, h, w) encoding of the pixel-centre grid `((j+0.5)/w, (i+0.5)/h)`.
    public func grid(height: Int, width: Int) -> Tensor {
        var xy = [Float]()
        xy.reserveCapacity(height * width * 2)
        for i in 0..<height {
            for j in 0..<width {
                // PyTorch builds these with cumsum − 0.5 in float32, which is exact for these sizes.
                xy.append((Float(j + 1) - 0.5) / Float(width))
                xy.append((Float(i + 1) - 0.5) / Float(height))
            }
        }
        return encode(Tensor(xy, shape: [height, width, 2])).permuted(2, 0, 1)
    }

    /// Pixel coordinates (…, 2) in an `imageSize`² frame → encodings.
    func encode(pixels: Tensor, imageSize: Int) -> Tensor {
        encode(pixels / Float(imageSize))
    }
}

/// SAM's `PromptEncoder`: sparse embeddings for points and box corners, dense embeddings for
/// a mask prompt (or the learned no-mask embedding).
public final class PromptEncoder: Module {
    public let pe_layer: PositionEmbeddingRandom
    /// Embeddings added to background points, foreground points, top-left and bottom-right corners.
    public let point_embeddings: [Embedding]
    public let not_a_point_embed: Embedding
    /// `Sequential(conv 2×2 s2, LN2d, GELU, conv 2×2 s2, LN2d, GELU, conv 1×1)`: keys `.0`, `.1`,
    /// `.3`, `.4`, `.6`, the GELUs holding none.
    public let mask_downscaling: Sequential
    public let no_mask_embed: Embedding
    public let embedDim: Int
    public let embeddingSize: Int
    public let imageSize: Int

    /// The standard 256-d prompt encoder for the config's embedding grid.
    public init(config: SAMConfig, generator: inout SeededGenerator) {
        let dim = SAMConfig.promptEmbedDim, maskChannels = 16
        embedDim = dim
        embeddingSize = config.embeddingSize
        imageSize = config.imageSize
        pe_layer = PositionEmbeddingRandom(numPosFeats: dim / 2, generator: &generator)
        point_embeddings = (0..<4).map { _ in Embedding(count: 1, dimension: dim, generator: &generator) }
        not_a_point_embed = Embedding(count: 1, dimension: dim, generator: &generator)
        mask_downscaling = Sequential([
            Conv2d(inChannels: 1, outChannels: maskChannels / 4, kernelSize: 2, stride: 2, generator: &generator),
            LayerNorm2d(maskChannels / 4),
            GELU(),
            Conv2d(inChannels: maskChannels / 4, outChannels: maskChannels, kernelSize: 2, stride: 2, generator: &generator),
            LayerNorm2d(maskChannels),
            GELU(),
            Conv2d(inChannels: maskChannels, outChannels: dim, kernelSize: 1, generator: &generator),
        ])
        no_mask_embed = Embedding(count: 1, dimension: dim, generator: &generator)
    }

    /// The (1, C, E, E) positional encoding of the image embedding grid (`get_dense_pe`).
    public func denseEncoding() -> Tensor {
        pe_layer.grid(height: embeddingSize, width: embeddingSize).unsqueezed(0)
    }

    /// Sparse (B, N, C) and dense (B, C, E, E) prompt embeddings.
    public func callAsFunction(_ prompts: SAMPromptTensors) -> (sparse: Tensor, dense: Tensor) {
        let batch = prompts.batchSize
        var tokens: [Tensor] = []
        if let points = prompts.points {
            tokens.append(embedPoints(points, labels: prompts.labels, pad: prompts.boxes == nil))
        }
        if let boxes = prompts.boxes { tokens.append(embedBoxes(boxes)) }
        let sparse = tokens.isEmpty ? Tensor.zeros([batch, 0, embedDim]) : Tensor.concatenate(tokens, axis: 1)
        let dense: Tensor
        if let masks = prompts.masks {
            dense = mask_downscaling(masks)
        } else {
            dense = no_mask_embed.weight.value.reshaped([1, embedDim, 1, 1])
                .expanded(to: [batch, embedDim, embeddingSize, embeddingSize])
        }
        return (sparse, dense)
    }

    /// `_embed_points`: shift to pixel centres, add the padding point when there is no box,
    /// then replace/add the label embeddings.
    private func embedPoints(_ points: Tensor, labels: [PointLabel], pad: Bool) -> Tensor {
        precondition(points.rank == 3 && points.shape[2] == 2 && points.shape[1] == labels.count,
                     "points must be (B, N, 2) with one label per point, got \(points.shape) and \(labels.count) labels")
        let batch = points.shape[0]
        var coords = points + 0.5
        var labels = labels
        if pad {
            // The padding point sits at (0, 0) after the shift; its encoding is discarded anyway.
            coords = Tensor.concatenate([coords, Tensor.zeros([batch, 1, 2])], axis: 1)
            labels.append(.notAPoint)
        }
        let encoded = pe_layer.encode(pixels: coords, imageSize: imageSize)
        let keep = Tensor(labels.map { $0 == .notAPoint ? 0 : 1 }, shape: [1, labels.count, 1])
        let added = labels.map { label -> Tensor in
            switch label {
            case .notAPoint: not_a_point_embed.weight.value
            case .background: point_embeddings[0].weight.value
            case .foreground: point_embeddings[1].weight.value
            }
        }
        return encoded * keep + Tensor.concatenate(added, axis: 0).unsqueezed(0)
    }

    /// `_embed_boxes`: both corners encoded like points, plus the corner embeddings.
    private func embedBoxes(_ boxes: Tensor) -> Tensor {
        precondition(boxes.rank == 2 && boxes.shape[1] == 4, "boxes must be (B, 4), got \(boxes.shape)")
        let corners = (boxes + 0.5).reshaped([-1, 2, 2])
        let encoded = pe_layer.encode(pixels: corners, imageSize: imageSize)
        let cornerEmbeddings = Tensor.concatenate([point_embeddings[2].weight.value, point_embeddings[3].weight.value], axis: 0)
        return encoded + cornerEmbeddings.unsqueezed(0)
    }
}
