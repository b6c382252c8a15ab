import Durable
import Formats
import Foundation
import NN
import Tensor

/// PyTorch state dicts of the original implementation (`.pth`) and our safetensors, read into
/// or written from a `TransUNet`; key names are the original `VisionTransformer`'s.
public enum TransUNetCheckpoint {
    /// Safetensors metadata key holding the JSON-encoded configuration.
    public static let configMetadataKey = "transunet_config"

    /// Reads a `.pth` or `.safetensors` file (by extension) as a state dict, with the
    /// configuration stored in our safetensors metadata when present.
    public static func read(_ url: URL) throws -> (stateDict: StateDict, storedConfig: TransUNetConfig?) {
        if url.pathExtension.lowercased() == "safetensors" {
            let (tensors, metadata) = try Safetensors.read(url)
            let config = try metadata[configMetadataKey].map { json in
                do {
                    return try JSONDecoder().decode(TransUNetConfig.self, from: Data(json.utf8))
                } catch {
                    throw FormatError(url, "metadata '\(configMetadataKey)' is not a TransUNet configuration: \(error)")
                }
            }
            return (tensors, config)
        }
        return (try PyTorchCheckpoint.read(url), nil)
    }

    /// Loads every parameter and buffer of `model` from `stateDict` (strict: missing,
    /// unexpected and mis-shaped keys are all reported). Position embeddings made for another
    /// grid are fitted to the model's, as the original's loader does for Google weights.
    public static func load(_ stateDict: StateDict, into model: TransUNet) throws {
        var values = stateDict.tensorsByKey()
        let key = "transformer.embeddings.position_embeddings"
        if let positions = values[key] {
            do {
                values[key] = try PositionEmbeddingResize.fitted(positions, grid: model.config.gridSize)
            } catch let error as TransUNetConfigError {
                throw FormatError(stateDict.source, "\(key): \(error.description)")
            }
        }
        do {
            try model.load(values, strict: true)
        } catch let error as ModuleLoadError {
            throw FormatError(stateDict.source, "does not fit \(model.config): " + error.description)
        }
    }

    /// Writes `model` as safetensors with its configuration in the metadata.
    public static func write(_ model: TransUNet, to url: URL, metadata: [String: String] = [:]) throws {
        var metadata = metadata
        // Sorted keys: the same model always gives the same bytes (resumed training is compared byte for byte).
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = try encoder.encode(model.config)
        metadata[configMetadataKey] = String(decoding: json, as: UTF8.self)
        try Safetensors.write(model.checkpoint(), metadata: metadata, to: url)
    }

    /// The configuration a state dict was made with, from its tensor shapes.
    ///
    /// Shapes fix everything except the number of attention heads: a named preset with the
    /// same shapes supplies it, otherwise ViT's usual head width of 64 is assumed.
    public static func inferConfig(_ stateDict: StateDict) throws -> TransUNetConfig {
        func shape(_ key: String) throws -> [Int] {
            guard let t = stateDict[key] else { throw FormatError(stateDict.source, "missing key '\(key)', cannot infer the TransUNet configuration") }
            return t.shape
        }
        let positions = try shape("transformer.embeddings.position_embeddings")
        let hidden = positions[positions.count - 1]
        let grid = Int(Double(positions[1]).squareRoot())
        guard grid * grid == positions[1] else {
            throw FormatError(stateDict.source, "\(positions[1]) position embeddings do not form a square grid")
        }
        var layers = 0
        while stateDict["transformer.encoder.layer.\(layers).attention_norm.weight"] != nil { layers += 1 }
        let mlp = try shape("transformer.encoder.layer.0.ffn.fc1.weight")[0]
        var resnet: ResNetConfig?
        let body = "transformer.embeddings.hybrid_model.body."
        if let root = stateDict["transformer.embeddings.hybrid_model.root.conv.weight"] {
            let units = (1...3).map { stage in
                var count = 0
                while stateDict[body + "block\(stage).unit\(count + 1).gn1.weight"] != nil { count += 1 }
                return count
            }
            resnet = ResNetConfig(unitsPerStage: units, widthFactor: Double(root.shape[0]) / 64)
        }
        var decoder: [Int] = [], skips: [Int] = []
        var previous = TransUNetConfig.headChannels
        for block in 0..<4 {
            let conv1 = try shape("decoder.blocks.\(block).conv1.0.weight")
            decoder.append(conv1[0])
            skips.append(conv1[1] - previous)
            previous = conv1[0]
        }
        let classes = try shape("segmentation_head.0.weight")[0]
        let nSkip = skips.prefix { $0 > 0 }.count
        var config = TransUNetConfig(imageSize: grid * 16, hiddenSize: hidden, numLayers: layers, numHeads: max(1, hidden / 64),
                                     mlpDim: mlp, resnet: resnet, decoderChannels: decoder, skipChannels: skips,
                                     nSkip: nSkip, nClasses: classes)
        if let preset = TransUNetConfig.presets.first(where: { var p = $0.config; p.numHeads = config.numHeads; p.imageSize = config.imageSize; return p == config }) {
            config.numHeads = preset.config.numHeads
        }
        return config
    }
}
