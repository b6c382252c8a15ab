import Durable
import Formats
import Foundation
import NN
import Tensor

/// Reads ImageNet-pretrained encoders in Google's ViT/BiT `.npz` naming into TransUNet, with the
/// name mapping and transpositions of the original `VisionTransformer.load_from`:
/// conv kernels HWIO → OIHW, Dense kernels transposed, attention kernels flattened to
/// (hidden, hidden) then transposed, GroupNorm scales flattened, and the position embeddings'
/// class token dropped (or the grid zoomed when its size differs).
///
/// Only `transformer.*` is loaded; the decoder and head keep their values, as in the original.
/// Keys the model does not use (`cls`, `head/*`, `pre_logits/*`) are ignored.
public enum GoogleCheckpoint {
    /// Loads the encoder of `model` from the `.npz` at `url`.
    public static func load(_ url: URL, into model: TransUNet) throws {
        try load(NPZ.read(url), source: url.path, into: model)
    }

    /// Loads the encoder of `model` from npz arrays read from `source` (named in errors).
    public static func load(_ arrays: [String: NPYArray], source: String, into model: TransUNet) throws {
        let values = try encoderTensors(arrays, source: source, config: model.config)
        try model.transformer.load(values, source: source, modelDescription: model.config.description)
    }

    /// The `transformer.` state dict (without that prefix) converted from Google's arrays.
    static func encoderTensors(_ arrays: [String: NPYArray], source: String,
                               config: TransUNetConfig) throws -> [String: Tensor] {
        let reader = ArrayReader(arrays: arrays, source: source)
        var out: [String: Tensor] = [:]
        out["embeddings.patch_embeddings.weight"] = try reader.conv("embedding/kernel")
        out["embeddings.patch_embeddings.bias"] = try reader.flat("embedding/bias")
        do {
            out["embeddings.position_embeddings"] = try PositionEmbeddingResize.fitted(
                reader.plain("Transformer/posembed_input/pos_embedding"), grid: config.gridSize)
        } catch let error as TransUNetConfigError {
            throw FormatError(source, "Transformer/posembed_input/pos_embedding: \(error.description)")
        }
        out["encoder.encoder_norm.weight"] = try reader.flat("Transformer/encoder_norm/scale")
        out["encoder.encoder_norm.bias"] = try reader.flat("Transformer/encoder_norm/bias")
        for layer in 0..<config.numLayers {
            let google = "Transformer/encoderblock_\(layer)/", ours = "encoder.layer.\(layer)."
            let attention = google + "MultiHeadDotProductAttention_1/"
            for (name, target) in [("query", "query"), ("key", "key"), ("value", "value"), ("out", "out")] {
                out[ours + "attn.\(target).weight"] = try reader.square(attention + name + "/kernel").transposed(0, 1)
                out[ours + "attn.\(target).bias"] = try reader.flat(attention + name + "/bias")
            }
            for (dense, target) in [("Dense_0", "fc1"), ("Dense_1", "fc2")] {
                out[ours + "ffn.\(target).weight"] = try reader.plain(google + "MlpBlock_3/\(dense)/kernel").transposed(0, 1)
                out[ours + "ffn.\(target).bias"] = try reader.flat(google + "MlpBlock_3/\(dense)/bias")
            }
            for (norm, target) in [("LayerNorm_0", "attention_norm"), ("LayerNorm_2", "ffn_norm")] {
                out[ours + "\(target).weight"] = try reader.flat(google + "\(norm)/scale")
                out[ours + "\(target).bias"] = try reader.flat(google + "\(norm)/bias")
            }
        }
        if let resnet = config.resnet {
            let root = "embeddings.hybrid_model.root."
            out[root + "conv.weight"] = try reader.conv("conv_root/kernel")
            out[root + "gn.weight"] = try reader.flat("gn_root/scale")
            out[root + "gn.bias"] = try reader.flat("gn_root/bias")
            for (stage, units) in resnet.unitsPerStage.enumerated() {
                for unit in 1...units {
                    let google = "block\(stage + 1)/unit\(unit)/"
                    let ours = "embeddings.hybrid_model.body.block\(stage + 1).unit\(unit)."
                    for index in 1...3 {
                        out[ours + "conv\(index).weight"] = try reader.conv(google + "conv\(index)/kernel")
                        out[ours + "gn\(index).weight"] = try reader.flat(google + "gn\(index)/scale")
                        out[ours + "gn\(index).bias"] = try reader.flat(google + "gn\(index)/bias")
                    }
                    // Only a unit that changes stride or width has a projection (always unit1 here).
                    if unit == 1 {
                        out[ours + "downsample.weight"] = try reader.conv(google + "conv_proj/kernel")
                        out[ours + "gn_proj.weight"] = try reader.flat(google + "gn_proj/scale")
                        out[ours + "gn_proj.bias"] = try reader.flat(google + "gn_proj/bias")
                    }
                }
            }
        }
        return out
    }
}

/// Typed access to npz arrays with errors that name the file and the key.
private struct ArrayReader {
    let arrays: [String: NPYArray]
    let source: String

    func plain(_ key: String) throws -> Tensor {
        guard let array = arrays[key] else { throw FormatError(source, "missing key '\(key)'") }
        guard [.float32, .float64, .float16].contains(array.dtype) else {
            throw FormatError(source, "'\(key)' has dtype \(array.dtype), expected floating point")
        }
        return Tensor(array.floats(), shape: array.shape)
    }

    /// A vector (biases, norm scales, per-head biases), flattened like `.view(-1)`.
    func flat(_ key: String) throws -> Tensor {
        let t = try plain(key)
        return t.reshaped([t.count])
    }

    /// A convolution kernel, HWIO → OIHW.
    func conv(_ key: String) throws -> Tensor {
        let t = try plain(key)
        guard t.rank == 4 else { throw FormatError(source, "'\(key)' has shape \(t.shape), expected an HWIO kernel") }
        return t.permuted(3, 2, 0, 1)
    }

    /// An attention kernel, (hidden, heads, head_dim) or (heads, head_dim, hidden), as a
    /// (hidden, hidden) matrix in storage order (`.view(hidden, hidden)`).
    func square(_ key: String) throws -> Tensor {
        let t = try plain(key)
        let side = Int(Double(t.count).squareRoot())
        guard t.rank == 3, side * side == t.count else {
            throw FormatError(source, "'\(key)' has shape \(t.shape), expected a 3-d attention kernel")
        }
        return t.reshaped([side, side])
    }
}
