import ArgumentParser
import Foundation
import Inference
import TransUNetModel

/// The weights options that `infer` and `evaluate` share with the daemon's `[model]` settings:
/// the shipped model by default, either network replaceable by a file.
struct ModelArguments: ParsableArguments {
    @Option(help: "A named model in --models-root (NAME/ultrarefiner.safetensors).")
    var model = ModelSelection.defaultName

    @Option(help: "The folder of named models and of base/ (what `make models` fetches).")
    var modelsRoot = ModelSelection.defaultRoot.relativePath

    @Option(name: [.customLong("transunet"), .customLong("checkpoint")],
            help: "TransUNet weights replacing the model's: the original code's .pth or our .safetensors.")
    var transunet: String?

    @Option(help: "Configuration of a --transunet file that records none: \(TransUNet.presetList), or auto.")
    var transunetConfig = "auto"

    @Option(help: "SAM weights replacing the model's refiner (official or MedSAM .pth, LiteMedSAM, or our .safetensors).")
    var sam: String?

    var selection: ModelSelection {
        ModelSelection(root: URL(fileURLWithPath: modelsRoot), name: model, transunet: transunet.map { URL(fileURLWithPath: $0) },
                       sam: sam.map { URL(fileURLWithPath: $0) }, transunetConfig: transunetConfig)
    }
}
