import ArgumentParser
import Foundation
import Formats
import Imaging
import Models
import Tensor

/// `ultrarefiner infer`: segment one image. With `--coarse-only` it runs the TransUNet stage
/// alone; the full chain (SAM refinement of the coarse mask) plugs in after `coarseStage`.
struct Infer: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Segment one ultrasound image (coarse TransUNet mask; SAM refinement in a later release).")

    @Flag(help: "Run only the TransUNet stage (required until the refinement stage is available).")
    var coarseOnly = false

    @Option(help: "TransUNet checkpoint: the original code's .pth or our .safetensors.")
    var checkpoint: String

    @Option(help: "Configuration: R50-ViT-B_16, R50-ViT-L_16, ViT-B_16, cpu-small, cpu-tiny, or auto (from the checkpoint).")
    var model = "auto"

    @Option(help: "Input PNG (converted to grayscale).")
    var image: String

    @Option(help: "Output folder for coarse.npy and mask.png.")
    var out: String

    func validate() throws {
        guard coarseOnly else {
            throw ValidationError("full chain not available yet: the SAM refinement stage is not built; run with --coarse-only")
        }
    }

    func run() throws {
        let outFolder = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: outFolder, withIntermediateDirectories: true)
        let gray = try PNG.readGray(URL(fileURLWithPath: image))
        let start = Date()
        let predictor = try TransUNetPredictor(checkpoint: URL(fileURLWithPath: checkpoint), configName: model)
        let loaded = Date()
        let probability = coarseStage(predictor, gray)
        let done = Date()
        let side = predictor.model.config.imageSize
        try NPY.write(NPYArray(float32: probability.scalars, shape: [side, side]),
                      to: outFolder.appendingPathComponent("coarse.npy"))
        let mask = TransUNetPredictor.mask(probability, width: gray.width, height: gray.height)
        try PNG.write(mask, to: outFolder.appendingPathComponent("mask.png"))
        let foreground = Double(mask.pixels.filter { $0 != 0 }.count) / Double(mask.pixels.count)
        print("model: \(predictor.model.config)")
        print(String(format: "image %d×%d, load %.2f s, forward %.3f s, foreground %.1f %% of the mask",
                     gray.width, gray.height, loaded.timeIntervalSince(start), done.timeIntervalSince(loaded),
                     100 * foreground))
        print("wrote \(outFolder.appendingPathComponent("coarse.npy").path) and mask.png")
    }

    /// The TransUNet stage: the coarse foreground probability at the model's input size.
    func coarseStage(_ predictor: TransUNetPredictor, _ gray: Raster<UInt8>) -> Tensor {
        predictor.foregroundProbability(gray)
    }
}
