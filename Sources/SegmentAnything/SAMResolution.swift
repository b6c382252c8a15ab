import Durable
import Formats
import Tensor

/// Adapting SAM weights to another input size (e.g. official 1024² weights in a 512² CPU
/// preset): only the absolute position embedding and the global blocks' relative-position
/// tables depend on the grid size; windowed tables depend on the window only.
public enum SAMResolution {
    /// `tensors` (trained at `source`'s size) resampled for `target`: `pos_embed` bilinearly
    /// over its grid (align_corners false, as SAM fine-tuning code does) and each global block's
    /// `rel_pos_h/w` linearly to `2·grid − 1` rows (as `get_rel_pos` would at run time).
    public static func resampled(_ tensors: StateDict, from source: SAMConfig, to target: SAMConfig) throws -> StateDict {
        var sameShape = source
        sameShape.imageSize = target.imageSize
        guard sameShape == target else {
            throw FormatError(tensors.source, "only the image size may differ when resampling SAM weights: checkpoint \(source), model \(target)")
        }
        var out = tensors
        let grid = target.embeddingSize
        let posKey = "image_encoder.pos_embed"
        let pos = try tensors.tensor(posKey, shape: [1, source.embeddingSize, source.embeddingSize, source.encoderEmbedDim]).tensor
        out[posKey] = StoredTensor(pos.permuted(0, 3, 1, 2).interpolated(size: Size2D(grid, grid), mode: .bilinear(alignCorners: false))
            .permuted(0, 2, 3, 1))
        let headDim = source.encoderEmbedDim / source.encoderNumHeads
        for block in target.encoderGlobalAttnIndexes {
            for axis in ["h", "w"] {
                let key = "image_encoder.blocks.\(block).attn.rel_pos_\(axis)"
                let table = try tensors.tensor(key, shape: [2 * source.embeddingSize - 1, headDim]).tensor
                out[key] = StoredTensor(EncoderAttention.resizedTable(table, length: 2 * grid - 1))
            }
        }
        return out
    }
}
