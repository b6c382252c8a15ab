import NN
@testable import SegmentAnything
import Tensor
import Testing

/// The mask decoder's attention moves its projections to the cheaper side of a token–image
/// attention; each folded form must be the reference's function with the same gradients.
struct DecoderAttentionTests {
    /// 2 heads of 8 inner channels over 32-d inputs, every weight and bias random.
    static func attention(seed: UInt64) -> DecoderAttention {
        var generator = SeededGenerator(seed: seed)
        let attention = DecoderAttention(embeddingDim: 32, numHeads: 2, downsampleRate: 2, generator: &generator)
        for (_, p) in attention.namedParameters() { p.value = Tensor.randn(p.shape, std: 0.3, generator: &generator) }
        return attention
    }

    /// A 32-d LayerNorm with random gain and shift.
    static func norm(seed: UInt64) -> LayerNorm {
        var generator = SeededGenerator(seed: seed)
        let norm = LayerNorm(32)
        for (_, p) in norm.namedParameters() { p.value = Tensor.randn(p.shape, std: 0.5, generator: &generator) + 0.5 }
        return norm
    }

    /// Output and every gradient (inputs and parameters) of `form` against the reference order.
    /// With `update`, `form` is to give `update(queries, attention)` (a residual and norm).
    static func expectSameFunction(queries nq: Int, keys nk: Int, update: ((Tensor, Tensor) -> Tensor)? = nil,
                                   _ form: (DecoderAttention, Tensor, Tensor, Tensor) -> Tensor) {
        let attention = attention(seed: 3)
        var generator = SeededGenerator(seed: 4)
        let inputs = [[2, nq, 32], [2, nk, 32], [2, nk, 32]].map { Parameter(Tensor.randn($0, generator: &generator)) }
        let weights = Tensor.randn([2, nq, 32], generator: &generator)
        func gradients(_ run: (Tensor, Tensor, Tensor) -> Tensor) -> (Tensor, [[Float]]) {
            let parameters = inputs + attention.namedParameters().map(\.1)
            for p in parameters { p.zeroGrad() }
            let out = run(inputs[0].value, inputs[1].value, inputs[2].value)
            (out * weights).sum().backward()
            return (out.detached(), parameters.map { $0.grad?.scalars ?? [] })
        }
        let (reference, referenceGradients) = gradients { q, k, v in
            let attended = attention.attendDirectly(q: q, k: k, v: v)
            return update?(q, attended) ?? attended
        }
        let (folded, foldedGradients) = gradients { form(attention, $0, $1, $2) }
        #expect(folded.shape == reference.shape)
        #expect(zip(folded.scalars, reference.scalars).allSatisfy { abs($0 - $1) <= 1e-4 * max(1, abs($1)) })
        for (i, (a, b)) in zip(foldedGradients, referenceGradients).enumerated() {
            #expect(!b.isEmpty && a.count == b.count, "gradient \(i) missing")
            let scale = b.map(abs).max() ?? 1
            #expect(zip(a, b).allSatisfy { abs($0 - $1) <= 1e-4 * max(1, scale) }, "gradient \(i) differs")
        }
    }

    @Test func foldingTheKeysGivesTheReferenceAttentionAndGradients() {
        Self.expectSameFunction(queries: 3, keys: 50) {
            $0.attendFoldingKeys(q: $1, imageKeys: $2.transposed(1, 2), imageValues: $3.transposed(1, 2))
        }
    }

    @Test func foldingTheQueriesGivesTheReferenceAttentionAndGradients() {
        Self.expectSameFunction(queries: 50, keys: 3) {
            $0.attendFoldingQueries(imageQueries: $1.transposed(1, 2), folded: $0.foldedTokens(k: $2, v: $3), residual: nil)
                .transposed(1, 2)
        }
    }

    /// The call picks the folded forms where they are cheaper and gives the same values.
    @Test func callFoldsTheImageSideOfATokenImageAttention() {
        Self.expectSameFunction(queries: 3, keys: 400) { $0(q: $1, k: $2, v: $3) }
        Self.expectSameFunction(queries: 400, keys: 3) { $0(q: $1, k: $2, v: $3) }
        Self.expectSameFunction(queries: 5, keys: 5) { $0(q: $1, k: $2, v: $3) }
    }

    /// The channel-major entries (the transformer's image layout) give the token-major
    /// function, folded or not (5 positions are too few to fold).
    @Test func channelMajorImageEntriesGiveTheReferenceAttention() {
        for positions in [400, 5] {
            Self.expectSameFunction(queries: 3, keys: positions) {
                $0(queries: $1, imageKeys: $2.transposed(1, 2), imageValues: $3.transposed(1, 2))
            }
            // The image update: the queries as residual, then the LayerNorm.
            let norm = Self.norm(seed: 11)
            Self.expectSameFunction(queries: positions, keys: 3, update: { norm($0 + $1) }) {
                $0(imageQueries: $1.transposed(1, 2), keys: $2, values: $3, residual: $1.transposed(1, 2), normalizedBy: norm)
                    .transposed(1, 2)
            }
        }
    }

    /// At inference the folded image update runs fused (`tokenAttentionUpdate`), 128 positions
    /// at a time: a full span and a partial one (300 = 2 · 128 + 44), with and without a query
    /// bias.
    @Test(arguments: [true, false])
    func fusedImageUpdateGivesTheComposedOne(queryBias: Bool) {
        var generator = SeededGenerator(seed: 12)
        let attention = DecoderAttention(embeddingDim: 32, numHeads: 2, downsampleRate: 2, generator: &generator)
        for (key, p) in attention.namedParameters() {
            p.value = key == "q_proj.bias" && !queryBias ? Tensor.zeros(p.shape) : Tensor.randn(p.shape, std: 0.3, generator: &generator)
        }
        let norm = Self.norm(seed: 13)
        let queries = Tensor.randn([2, 300, 32], generator: &generator)
        let tokens = Tensor.randn([2, 3, 32], std: 2, generator: &generator)
        let reference = noGrad { norm(queries + attention.attendDirectly(q: queries, k: tokens, v: tokens)) }
        let fused = noGrad {
            attention(imageQueries: queries.transposed(1, 2), keys: tokens, values: tokens, residual: queries.transposed(1, 2),
                      normalizedBy: norm).transposed(1, 2)
        }
        #expect(fused.shape == reference.shape)
        #expect(zip(fused.scalars, reference.scalars).allSatisfy { abs($0 - $1) <= 1e-4 * max(1, abs($1)) })
    }
}
