import NN
import Tensor

/// The image encoder's multi-head attention with decomposed relative-position bias
/// (`segment_anything.modeling.image_encoder.Attention`).
///
/// The bias for query (qh, qw) and key (kh, kw) is `q·Rh[qh−kh] + q·Rw[qw−kw]` with the
/// *unscaled* query, added to the scaled scores before the softmax.
public final class EncoderAttention: FusedQKVAttention {
    /// Replaceable so LoRA can put a `LoRALinear` here (`SAM.attachLoRA`).
    @Replaceable public var qkv: Linear
    public let proj: Linear
    public let rel_pos_h: Parameter
    public let rel_pos_w: Parameter
    public let numHeads: Int

    /// Attention over a `gridSize`² token grid (a window, or the whole image for global blocks).
    public init(dim: Int, numHeads: Int, gridSize: Int, generator: inout SeededGenerator) {
        precondition(dim % numHeads == 0, "embed dim \(dim) does not split into \(numHeads) heads")
        self.numHeads = numHeads
        qkv = Linear(inFeatures: dim, outFeatures: 3 * dim, generator: &generator)
        proj = Linear(inFeatures: dim, outFeatures: dim, generator: &generator)
        // SAM initialises the tables to zero (they are always loaded from checkpoints).
        rel_pos_h = Parameter(.zeros([2 * gridSize - 1, dim / numHeads]))
        rel_pos_w = Parameter(.zeros([2 * gridSize - 1, dim / numHeads]))
    }

    /// The first and last thirds of the rows, `[q | k | v]` across heads.
    public var queryAndValueRows: [Int] {
        let c = proj.inFeatures
        return Array(0..<c) + Array((2 * c)..<(3 * c))
    }

    /// Score elements per head chunk: bounds the attention matrix held at once (64 MB), so
    /// global attention at 1024² does not materialise all heads' 4096² scores together.
    private static let scoreBudget = 16 << 20

    /// `x` is (B, H, W, C); the output has the same shape.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        let b = x.shape[0], h = x.shape[1], w = x.shape[2], c = x.shape[3]
        let headDim = c / numHeads, tokens = h * w
        // (B, HW, 3, heads, hd) → (3, B·heads, HW, hd): rows are [q | k | v] across heads.
        let qkvHeads = qkv(x).reshaped([b, tokens, 3, numHeads, headDim]).permuted(2, 0, 3, 1, 4)
            .reshaped([3, b * numHeads, tokens, headDim])
        let q = qkvHeads[index: 0], k = qkvHeads[index: 1], v = qkvHeads[index: 2]
        let tableH = Self.relativeTable(rel_pos_h.value, size: h)
        let tableW = Self.relativeTable(rel_pos_w.value, size: w)
        let scale = 1 / Float(headDim).squareRoot()
        let batch = b * numHeads
        let chunk = max(1, min(batch, Self.scoreBudget / max(tokens * tokens, 1)))
        var outputs: [Tensor] = []
        for start in stride(from: 0, to: batch, by: chunk) {
            let end = min(start + chunk, batch)
            let qs = q.slice(axis: 0, start, end), ks = k.slice(axis: 0, start, end), vs = v.slice(axis: 0, start, end)
            var scores = (qs * scale).matmul(transposing: ks)
            scores = Self.addDecomposedRelativePosition(scores, query: qs, tableH: tableH, tableW: tableW, h: h, w: w)
            outputs.append(scores.softmax(axis: -1).matmul(vs))
        }
        let attended = outputs.count == 1 ? outputs[0] : Tensor.concatenate(outputs, axis: 0)
        let merged = attended.reshaped([b, numHeads, h, w, headDim]).permuted(0, 2, 3, 1, 4).reshaped([b, h, w, c])
        return proj(merged)
    }

    /// `get_rel_pos`: the (size, size, hd) table `R[i, j] = rel_pos[i − j + size − 1]`, after
    /// resizing `rel_pos` linearly when it was trained for another grid size.
    static func relativeTable(_ relPos: Tensor, size: Int) -> Tensor {
        let table = resizedTable(relPos, length: 2 * size - 1)
        var indices: [Int] = []
        indices.reserveCapacity(size * size)
        for i in 0..<size { for j in 0..<size { indices.append(i - j + size - 1) } }
        return table.indexSelect(axis: 0, indices).reshaped([size, size, relPos.shape[1]])
    }

    /// A (L, hd) table resampled to `length` rows as `get_rel_pos` does it:
    /// `F.interpolate(mode="linear")` over (1, hd, L), which a 1-row bilinear resize equals.
    static func resizedTable(_ relPos: Tensor, length: Int) -> Tensor {
        guard relPos.shape[0] != length else { return relPos }
        return relPos.transposed(0, 1).reshaped([1, relPos.shape[1], 1, relPos.shape[0]])
            .interpolated(size: Size2D(1, length), mode: .bilinear(alignCorners: false))
            .reshaped([relPos.shape[1], length]).transposed(0, 1)
    }

    /// `add_decomposed_rel_pos` for scores (N, HW, HW) and unscaled queries (N, HW, hd).
    static func addDecomposedRelativePosition(_ scores: Tensor, query: Tensor, tableH: Tensor, tableW: Tensor,
                                              h: Int, w: Int) -> Tensor {
        let n = query.shape[0], hd = query.shape[2]
        let grid = query.reshaped([n, h, w, hd])
        // rel_h[n, qh, qw, kh] = Σ_c q[n, qh, qw, c] · Rh[qh, kh, c], batched over qh.
        let relH = grid.permuted(1, 0, 2, 3).reshaped([h, n * w, hd]).matmul(tableH.transposed(-2, -1))
            .reshaped([h, n, w, h]).permuted(1, 0, 2, 3)
        // rel_w[n, qh, qw, kw] = Σ_c q[n, qh, qw, c] · Rw[qw, kw, c], batched over qw.
        let relW = grid.permuted(2, 0, 1, 3).reshaped([w, n * h, hd]).matmul(tableW.transposed(-2, -1))
            .reshaped([w, n, h, w]).permuted(1, 2, 0, 3)
        let biased = scores.reshaped([n, h, w, h, w]) + relH.reshaped([n, h, w, h, 1]) + relW.reshaped([n, h, w, 1, w])
        return biased.reshaped([n, h * w, h * w])
    }
}
