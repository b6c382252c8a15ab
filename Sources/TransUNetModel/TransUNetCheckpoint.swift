import Durable
import Formats
import Foundation
import NN
import Tensor

/// TransUNet as a model family: state dicts of the original implementation (`.pth`, key names
/// of its `VisionTransformer`) and our safetensors with the config in the metadata. Google's
/// ImageNet `.npz` encoders are read by `GoogleCheckpoint`.
extension TransUNet: ModelFamily {
    public static let configMetadataKey = "transunet_config"

    public static let presets: [(name: String, config: TransUNetConfig)] = [
        ("R50-ViT-B_16", .r50ViTB16), ("R50-ViT-L_16", .r50ViTL16), ("ViT-B_16", .viTB16),
        ("cpu-small", .cpuSmall), ("cpu-tiny", .cpuTiny),
    ]

    public static func build(_ config: TransUNetConfig) throws -> TransUNet { try TransUNet(config) }

    /// Position embeddings made for another grid are fitted to the model's, as the original's
    /// loader does for Google weights.
    public static func fitted(_ checkpoint: ModelCheckpoint<TransUNet>, to config: TransUNetConfig) throws -> StateDict {
        var tensors = checkpoint.tensors
        let key = "transformer.embeddings.position_embeddings"
        if let positions = tensors[key] {
            do {
                tensors[key] = StoredTensor(try PositionEmbeddingResize.fitted(positions.tensor, grid: config.gridSize))
            } catch let error as TransUNetConfigError {
                throw FormatError(tensors.source, "\(key): \(error.description)")
            }
        }
        return tensors
    }

    /// The configuration a state dict was made with, from its tensor shapes.
    ///
    /// Shapes fix everything except the number of attention heads: a named preset with the
    /// same shapes supplies it, otherwise ViT's usual head width of 64 is assumed.
    public static func inferConfig(from stateDict: StateDict) throws -> TransUNetConfig {
        func shape(_ key: String) throws -> [Int] { try stateDict.shape(of: key, reading: "cannot infer the TransUNet configuration") }
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
        if let preset = presets.first(where: { var p = $0.config; p.numHeads = config.numHeads; p.imageSize = config.imageSize; return p == config }) {
            config.numHeads = preset.config.numHeads
        }
        return config
    }
}
