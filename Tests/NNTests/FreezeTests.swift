import Testing
import Tensor
@testable import NN

/// Glob patterns over paths, and freezing by them.
struct FreezeTests {
    @Test func patternSyntax() {
        let encoder = KeyPattern("image_encoder.*")
        #expect(encoder.matches("image_encoder.blocks.0.attn.qkv.weight"), "* crosses dots")
        #expect(encoder.matches("image_encoder.pos_embed"))
        #expect(!encoder.matches("image_encoder"), "the dot is literal and must be there")
        #expect(!encoder.matches("prompt_encoder.image_encoder.x"), "the whole path must match")

        let qkv = KeyPattern("blocks.*.attn.qkv")
        #expect(qkv.matches("blocks.11.attn.qkv"))
        #expect(!qkv.matches("blocks.1.attn.qkv.weight"), "no implicit trailing match")
        #expect(!qkv.matches("blocks.1.attn_qkv"))

        let digit = KeyPattern("neck.?.weight")
        #expect(digit.matches("neck.0.weight"))
        #expect(!digit.matches("neck.10.weight"), "? is exactly one character")

        #expect(KeyPattern("*.bias").matches("a.b.bias"))
        #expect(!KeyPattern("*.bias").matches("a.b.bias_extra"))
        #expect(KeyPattern("a*b*c").matches("a.x.b.y.c"))
        #expect(!KeyPattern("a*b*c").matches("a.x.c.y.b"))
        #expect(KeyPattern("pos_embed").matches("pos_embed"))
        #expect(!KeyPattern("pos_embed").matches("pos_embed2"))
        #expect(KeyPattern("*").matches(""))
    }

    @Test func freezeAndUnfreezeByPattern() {
        var g = SeededGenerator(seed: 1)
        let tiny = Tiny(generator: &g)
        let frozen = tiny.freeze(matching: ["blocks.*", "pos_embed"])
        #expect(frozen == ["pos_embed", "blocks.0.norm1.weight", "blocks.0.norm1.bias", "blocks.0.attn.weight",
                           "blocks.0.attn.bias", "blocks.1.norm1.weight", "blocks.1.norm1.bias", "blocks.1.attn.weight",
                           "blocks.1.attn.bias", "blocks.1.skip.weight"])
        #expect(tiny.trainableParameters().map(\.key) == ["neck.0.weight", "neck.1.weight", "neck.1.bias"])

        let thawed = tiny.unfreeze(matching: ["blocks.1.*.weight"])
        #expect(thawed == ["blocks.1.norm1.weight", "blocks.1.attn.weight", "blocks.1.skip.weight"])
        #expect(tiny.trainableParameters().count == 6)
        #expect(tiny.freeze(matching: ["no_such.*"]).isEmpty, "a pattern matching nothing shows as no keys")
    }
}
