import NN
import Tensor

/// The mask decoder's attention (`transformer.Attention`): projections to an optionally
/// smaller inner width, multi-head scaled dot product, projection back.
public final class DecoderAttention: Module {
    public let q_proj: Linear
    public let k_proj: Linear
    public let v_proj: Linear
    public let out_proj: Linear
    public let numHeads: Int

    /// Attention with `embeddingDim / downsampleRate` inner channels.
    public init(embeddingDim: Int, numHeads: Int, downsampleRate: Int = 1, generator: inout SeededGenerator) {
        let inner = embeddingDim / downsampleRate
        precondition(inner % numHeads == 0, "inner dim \(inner) does not split into \(numHeads) heads")
        self.numHeads = numHeads
        q_proj = Linear(inFeatures: embeddingDim, outFeatures: inner, generator: &generator)
        k_proj = Linear(inFeatures: embeddingDim, outFeatures: inner, generator: &generator)
        v_proj = Linear(inFeatures: embeddingDim, outFeatures: inner, generator: &generator)
        out_proj = Linear(inFeatures: inner, outFeatures: embeddingDim, generator: &generator)
    }

    /// (B, N, C) → (B, heads, N, C/heads).
    private func separateHeads(_ x: Tensor) -> Tensor {
        x.reshaped([x.shape[0], x.shape[1], numHeads, x.shape[2] / numHeads]).permuted(0, 2, 1, 3)
    }

    /// A projection's (out, in) weight split by output rows into (heads, out/heads, in).
    private func rowsByHead(_ layer: Linear) -> Tensor {
        layer.weight.value.reshaped([numHeads, layer.outFeatures / numHeads, layer.inFeatures])
    }

    /// Queries (B, Nq, C) attend to keys/values (B, Nk, C).
    ///
    /// Between 7 prompt tokens and 4096 image tokens, projecting the image side is most of the
    /// work (4096·256·128 multiply-adds per projection). The projections are linear, so they
    /// can be moved onto the token side instead: `q·(XWₖᵀ)ᵀ = (qWₖ)·Xᵀ` and
    /// `P·(XWᵥᵀ + bᵥ) = (P·X)Wᵥᵀ + bᵥ` (softmax rows sum to 1) when the keys are the image, and
    /// `(XW_qᵀ)·kᵀ = X·(kW_q)ᵀ`, with the output projection folded into the values, when the
    /// queries are. Each attention takes whichever form needs the fewest multiply-adds; all are
    /// the reference's function, rounded differently, and all are differentiable.
    public func callAsFunction(q: Tensor, k: Tensor, v: Tensor) -> Tensor {
        switch form(queries: q.shape[1], keys: k.shape[1]) {
        case .direct: attendDirectly(q: q, k: k, v: v)
        case .foldingKeys: attendFoldingKeys(q: q, imageKeys: k.transposed(1, 2), imageValues: v.transposed(1, 2))
        case .foldingQueries:
            attendFoldingQueries(imageQueries: q.transposed(1, 2), folded: foldedTokens(k: k, v: v), residual: nil).transposed(1, 2)
        }
    }

    /// Tokens (B, Nq, C) attend to an image held channel-major, keys and values (B, C, Nk) (the
    /// transformer keeps the image in the embedding's own layout, so it is never transposed).
    public func callAsFunction(queries: Tensor, imageKeys: Tensor, imageValues: Tensor) -> Tensor {
        if form(queries: queries.shape[1], keys: imageKeys.shape[2]) == .foldingKeys {
            return attendFoldingKeys(q: queries, imageKeys: imageKeys, imageValues: imageValues)
        }
        return self(q: queries, k: imageKeys.transposed(1, 2), v: imageValues.transposed(1, 2))
    }

    /// `norm`, over channels, of `residual` plus the attention of image positions held
    /// channel-major (B, C, Nq) to tokens (B, Nk, C): the mask decoder's image update. The
    /// result is channel-major (B, C, Nq) too. The residual and norm are arguments because
    /// in the folded form all of it is one pass over the image at inference
    /// (`tokenAttentionUpdate`), and the last product starts from the residual otherwise.
    public func callAsFunction(imageQueries: Tensor, keys: Tensor, values: Tensor, residual: Tensor,
                               normalizedBy norm: LayerNorm) -> Tensor {
        guard form(queries: imageQueries.shape[2], keys: keys.shape[1]) == .foldingQueries else {
            return norm.overChannels(residual + self(q: imageQueries.transposed(1, 2), k: keys, v: values).transposed(1, 2))
        }
        let folded = foldedTokens(k: keys, v: values)
        let inputs = [imageQueries, residual, folded.keys, folded.values, norm.weight.value, norm.bias.value]
            + (folded.constants.map { [$0] } ?? [])
        guard GradMode.isEnabled && inputs.contains(where: \.requiresGrad) else {
            return imageQueries.tokenAttentionUpdate(keys: folded.keys, constants: folded.constants, values: folded.values,
                                                     heads: numHeads, residual: residual,
                                                     norm: (norm.weight.value, norm.bias.value, norm.eps))
        }
        return norm.overChannels(attendFoldingQueries(imageQueries: imageQueries, folded: folded, residual: residual))
    }

    /// The order of operations an attention takes.
    enum Form {
        /// The reference's.
        case direct
        /// Key and value projections moved onto the queries.
        case foldingKeys
        /// Query and output projections moved onto the keys and values.
        case foldingQueries
    }

    /// The form needing the fewest multiply-adds for `nq` queries and `nk` keys.
    func form(queries nq: Int, keys nk: Int) -> Form {
        // Adapters (a `LoRALinear`) change a projection's effective weight: only plain layers fold.
        let plain = [q_proj, k_proj, v_proj, out_proj].allSatisfy { type(of: $0) == Linear.self }
        let c = q_proj.inFeatures, inner = q_proj.outFeatures
        let perHead = inner / numHeads
        let direct = 2 * nq * c * inner + 2 * nk * c * inner + 2 * nq * nk * inner
        let keysFolded = 2 * nq * c * inner + 2 * numHeads * nq * (perHead + nk) * c
        let queriesFolded = 2 * nk * c * inner + 2 * numHeads * nk * (perHead + nq) * c
        if !plain || direct <= min(keysFolded, queriesFolded) { return .direct }
        return keysFolded <= queriesFolded ? .foldingKeys : .foldingQueries
    }

    /// The reference's order of operations.
    func attendDirectly(q: Tensor, k: Tensor, v: Tensor) -> Tensor {
        let qh = separateHeads(q_proj(q)), kh = separateHeads(k_proj(k)), vh = separateHeads(v_proj(v))
        let perHead = qh.shape[3]
        // Scores are divided after the product, as the reference does (not q pre-scaled).
        let scores = qh.matmul(transposing: kh) / Float(perHead).squareRoot()
        let out = scores.softmax(axis: -1).matmul(vh).permuted(0, 2, 1, 3)
        return out_proj(out.reshaped([out.shape[0], out.shape[1], -1]))
    }

    /// Few queries (B, Nq, C), many keys: the key and value projections move onto the queries.
    /// The keys and values come channel-major, (B, C, Nk).
    func attendFoldingKeys(q: Tensor, imageKeys k: Tensor, imageValues v: Tensor) -> Tensor {
        let b = q.shape[0], nq = q.shape[1], c = q.shape[2], heads = numHeads
        let qh = separateHeads(q_proj(q))                                           // (B, H, Nq, d)
        let perHead = qh.shape[3]
        // Per head, qₕ·kₕᵀ = (qₕWₖₕ)·Xᵀ + qₕ·bₖₕ; the second term is constant along each row.
        // The 1/√d scale goes onto the small token-side factors, not the (H·Nq, Nk) scores.
        let scale = 1 / Float(perHead).squareRoot()
        let queriesInInput = qh.matmul(rowsByHead(k_proj)) * scale                  // (B, H, Nq, C)
        var scores = queriesInInput.reshaped([b, heads * nq, c]).matmul(k)          // (B, H·Nq, Nk)
        if let bias = k_proj.bias?.value {
            let rowConstants = (qh * (bias * scale).reshaped([1, heads, 1, perHead])).sum(axes: [3])
            scores = scores + rowConstants.reshaped([b, heads * nq, 1])
        }
        let weights = scores.softmax(axis: -1)                                      // (B, H·Nq, Nk)
        let pooled = weights.matmul(transposing: v).reshaped([b, heads, nq, c])     // (B, H, Nq, C)
        let valueWeights = rowsByHead(v_proj).unsqueezed(0).expanded(to: [b, heads, perHead, c])
        var out = pooled.matmul(transposing: valueWeights)                          // (B, H, Nq, d)
        if let bias = v_proj.bias?.value { out = out + bias.reshaped([1, heads, 1, perHead]) }
        return out_proj(out.permuted(0, 2, 1, 3).reshaped([b, nq, heads * perHead]))
    }

    /// Many queries, few keys (B, Nk, C): the query and output projections move onto the keys
    /// and values (`foldedTokens`). The queries come channel-major, (B, C, Nq), and so does the
    /// result, plus `residual` when there is one.
    func attendFoldingQueries(imageQueries q: Tensor, folded: FoldedTokens, residual: Tensor?) -> Tensor {
        let b = q.shape[0], nq = q.shape[2], rows = folded.keys.shape[1], nk = rows / numHeads
        var scores = folded.keys.matmul(q)                                          // (B, H·Nk, Nq)
        if let constants = folded.constants { scores = scores + constants.reshaped([b, rows, 1]) }
        // Each query's softmax runs down a column of its head's (Nk, Nq) block.
        let weights = scores.reshaped([b, numHeads, nk, nq]).softmax(axis: 2).reshaped([b, rows, nq])
        // (C, H·Nk) · (H·Nk, Nq): the small values side is the one transposed.
        let valuesByChannel = folded.values.transposed(1, 2)
        guard let residual else { return valuesByChannel.matmul(weights) }
        return valuesByChannel.matmul(weights, adding: residual)
    }

    /// The token side of the image-to-token attention with the query and output projections
    /// folded onto it: per head h, the image's scores against the tokens are
    /// `keys[h]·X + constants[h]` and its output is `values[h]ᵀ` times their softmax, summed
    /// over heads (the image X channel-major).
    struct FoldedTokens {
        /// (B, H·Nk, C): `kₕW_qₕ/√d`, each head's keys in the input space, scaled.
        var keys: Tensor
        /// (B, H·Nk): `kₕ·b_qₕ/√d`, nil without a query bias.
        var constants: Tensor?
        /// (B, H·Nk, C): `vₕW_oₕᵀ + b_o/H`, each head's values through its columns of the output
        /// projection.
        var values: Tensor
    }

    /// `FoldedTokens` for keys and values (B, Nk, C).
    func foldedTokens(k: Tensor, v: Tensor) -> FoldedTokens {
        let b = k.shape[0], nk = k.shape[1], c = k.shape[2], heads = numHeads
        let kh = separateHeads(k_proj(k)), vh = separateHeads(v_proj(v))           // (B, H, Nk, d)
        let perHead = kh.shape[3]
        // Per head, kₕ·(W_qₕX + b_qₕ) = (kₕW_qₕ)·X + kₕ·b_qₕ; the second term is constant along each row.
        // The 1/√d scale goes onto the small token-side factors, not the (H·Nk, Nq) scores.
        let scale = 1 / Float(perHead).squareRoot()
        let keys = (kh.matmul(rowsByHead(q_proj)) * scale).reshaped([b, heads * nk, c])
        let constants = q_proj.bias.map { bias in
            (kh * (bias.value * scale).reshaped([1, heads, 1, perHead])).sum(axes: [3]).reshaped([b, heads * nk])
        }
        // The output projection, split by input columns per head, applied to the values first.
        // Each head's weights sum to 1, so its bias can ride on the values too, as bias/H per
        // head, sparing a pass over the (C, Nq) output.
        let outputColumns = out_proj.weight.value.reshaped([c, heads, perHead]).permuted(1, 0, 2)   // (H, C, d)
        var values = vh.matmul(transposing: outputColumns.unsqueezed(0).expanded(to: [b, heads, c, perHead]))
        if let bias = out_proj.bias?.value { values = values + bias * (1 / Float(heads)) }
        return FoldedTokens(keys: keys, constants: constants, values: values.reshaped([b, heads * nk, c]))
    }
}

/// One `TwoWayAttentionBlock`: token self-attention, token→image cross-attention, token MLP,
/// image→token cross-attention, each followed by a LayerNorm (default eps 1e-5).
public final class TwoWayAttentionBlock: Module {
    public let self_attn: DecoderAttention
    public let norm1: LayerNorm
    public let cross_attn_token_to_image: DecoderAttention
    public let norm2: LayerNorm
    public let mlp: MLPBlock
    public let norm3: LayerNorm
    public let norm4: LayerNorm
    public let cross_attn_image_to_token: DecoderAttention
    /// Layer 0 feeds its queries to self-attention without PE and without a residual.
    public let skipFirstLayerPE: Bool

    /// A block with cross-attentions at half width and a ReLU MLP of `mlpDim`.
    public init(embeddingDim: Int, numHeads: Int, mlpDim: Int, skipFirstLayerPE: Bool, generator: inout SeededGenerator) {
        self_attn = DecoderAttention(embeddingDim: embeddingDim, numHeads: numHeads, generator: &generator)
        norm1 = LayerNorm(embeddingDim)
        cross_attn_token_to_image = DecoderAttention(embeddingDim: embeddingDim, numHeads: numHeads, downsampleRate: 2,
                                                     generator: &generator)
        norm2 = LayerNorm(embeddingDim)
        mlp = MLPBlock(embeddingDim: embeddingDim, mlpDim: mlpDim, activation: { $0.relu() }, generator: &generator)
        norm3 = LayerNorm(embeddingDim)
        norm4 = LayerNorm(embeddingDim)
        cross_attn_image_to_token = DecoderAttention(embeddingDim: embeddingDim, numHeads: numHeads, downsampleRate: 2,
                                                     generator: &generator)
        self.skipFirstLayerPE = skipFirstLayerPE
    }

    /// Updates tokens (`queries`, (B, N, C)) and the image (`keys`, channel-major (B, C, HW));
    /// the PEs are re-added before each attention.
    public func callAsFunction(queries: Tensor, keys: Tensor, queryPE: Tensor, keyPE: Tensor) -> (queries: Tensor, keys: Tensor) {
        var queries = queries, keys = keys
        if skipFirstLayerPE {
            queries = self_attn(q: queries, k: queries, v: queries)
        } else {
            let q = queries + queryPE
            queries = queries + self_attn(q: q, k: q, v: queries)
        }
        queries = norm1(queries)
        // The keys do not change until the last step, so keys + PE (4096 × 256 per prompt at
        // SAM's and LiteMedSAM's 64² grid) is formed once for both cross-attentions; the
        // reference adds it twice, with identical values.
        let k = keys + keyPE
        queries = norm2(queries + cross_attn_token_to_image(queries: queries + queryPE, imageKeys: k, imageValues: keys))
        queries = norm3(queries + mlp(queries))
        keys = cross_attn_image_to_token(imageQueries: k, keys: queries + queryPE, values: queries, residual: keys,
                                         normalizedBy: norm4)
        return (queries, keys)
    }
}

/// `TwoWayTransformer`: tokens and image embedding attend to each other, then a final
/// token→image attention.
public final class TwoWayTransformer: Module {
    public let layers: [TwoWayAttentionBlock]
    public let final_attn_token_to_image: DecoderAttention
    public let norm_final_attn: LayerNorm

    /// SAM's decoder transformer: depth 2, 256-d, 8 heads, MLP 2048.
    public init(depth: Int = 2, embeddingDim: Int = 256, numHeads: Int = 8, mlpDim: Int = 2048,
                generator: inout SeededGenerator) {
        layers = (0..<depth).map { i in
            TwoWayAttentionBlock(embeddingDim: embeddingDim, numHeads: numHeads, mlpDim: mlpDim,
                                 skipFirstLayerPE: i == 0, generator: &generator)
        }
        final_attn_token_to_image = DecoderAttention(embeddingDim: embeddingDim, numHeads: numHeads, downsampleRate: 2,
                                                     generator: &generator)
        norm_final_attn = LayerNorm(embeddingDim)
    }

    /// Image (B, C, H, W) with its PE (B, C, H, W) and tokens (B, N, C) → updated tokens
    /// (B, N, C) and image (B, C, H, W).
    ///
    /// The reference flattens the image to (B, HW, C) tokens and back; here it stays
    /// channel-major throughout (attention is products, which take either layout, and the
    /// image-side LayerNorm runs over channels), saving three transposes of the whole image.
    public func callAsFunction(image: Tensor, imagePE: Tensor, tokens: Tensor) -> (tokens: Tensor, image: Tensor) {
        let b = image.shape[0], c = image.shape[1], hw = image.shape[2] * image.shape[3]
        let keyPE = imagePE.reshaped([imagePE.shape[0], c, hw])
        var queries = tokens
        var keys = image.reshaped([b, c, hw])
        for layer in layers {
            (queries, keys) = layer(queries: queries, keys: keys, queryPE: tokens, keyPE: keyPE)
        }
        let attended = final_attn_token_to_image(queries: queries + tokens, imageKeys: keys + keyPE, imageValues: keys)
        return (norm_final_attn(queries + attended), keys.reshaped(image.shape))
    }
}
