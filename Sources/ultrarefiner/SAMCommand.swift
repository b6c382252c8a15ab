import ArgumentParser
import Durable
import Formats
import Foundation
import Imaging
import SegmentAnything
import Tensor

/// `ultrarefiner sam`: Segment Anything on one image with points, a box and/or a mask prompt,
/// writing the logits, IoU predictions, low-res logits and the best mask.
struct SAMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sam",
        abstract: "Run Segment Anything (official .pth or our safetensors) on a PNG with prompts in original pixels.")

    @Option(help: "Checkpoint: official .pth or .safetensors.")
    var checkpoint: String

    @Option(help: "\(SAM.presetList), or auto (read the size off the checkpoint).")
    var model = "auto"

    @Option(name: .customLong("image-size"), help: "Encoder input side (default: the checkpoint's); e.g. 512 on CPU, with resampled position embeddings.")
    var imageSize: Int?

    @Option(help: "Input PNG (grayscale or RGB).")
    var image: String

    @Option(help: "Box x1,y1,x2,y2 in original pixels.")
    var box: String?

    @Option(help: "Point x,y,label (label 1 foreground, 0 background); repeatable.")
    var point: [String] = []

    @Option(name: .customLong("mask-input"), help: "1×4E×4E float32 .npy of mask logits in the low-res model frame (256² for a 1024² model).")
    var maskInput: String?

    @Flag(help: "Square preprocessing (bilinear to S×S, no aspect ratio) instead of the family's own (the official SamPredictor's for ViT SAM, LiteMedSAM's recipe for LiteMedSAM).")
    var square = false

    @Option(name: .customLong("square-norm"), help: "Square-mode normalisation: sam or minmax.")
    var squareNorm = PixelNormalization.sam

    @Option(name: .customLong("embedding-cache"),
            help: "Folder for cached image embeddings: prompting the same image again skips the encoder.")
    var embeddingCache: String?

    @Flag(name: .customLong("single-mask"), help: "Return only the single-mask output (token 0).")
    var singleMask = false

    @Option(help: "Output folder.")
    var out: String

    func run() throws {
        let checkpointURL = URL(fileURLWithPath: checkpoint)
        var config: SAMConfig?
        if model != "auto" {
            guard let preset = SAM.preset(named: model) else {
                throw ValidationError("--model must be \(SAM.presetList) or auto, not '\(model)'")
            }
            config = preset
        }
        let sam = try SAM.load(contentsOf: checkpointURL, config: config, imageSize: imageSize)
        let picture = try PNG.read(URL(fileURLWithPath: image))
        guard picture.channels == 1 || picture.channels == 3 else {
            throw FormatError(image, "SAM needs a grayscale or RGB image, this one has \(picture.channels) channels")
        }
        let prompt = try prompts(lowResSide: sam.config.lowResSize)
        let preprocessing: SAMPreprocessing = square ? .square(squareNorm) : sam.config.officialPreprocessing
        let cache = try embeddingCache.map { try SAMEmbeddingCache(directory: URL(fileURLWithPath: $0), model: sam) }
        let predictor = try SAMPredictor(model: sam, image: picture, preprocessing: preprocessing, cache: cache)
        let prediction = predictor.predict(prompt, multimask: !singleMask)

        let folder = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try NPY.write(NPYArray(float32: prediction.masks.scalars, shape: prediction.masks.shape),
                      to: folder.appendingPathComponent("masks.npy"))
        try NPY.write(NPYArray(float32: prediction.iou, shape: [prediction.iou.count]), to: folder.appendingPathComponent("iou.npy"))
        try NPY.write(NPYArray(float32: prediction.lowRes.scalars, shape: prediction.lowRes.shape),
                      to: folder.appendingPathComponent("low_res.npy"))
        let best = prediction.bestIndex
        try PNG.write(prediction.bestMask, to: folder.appendingPathComponent("mask.png"))
        print("model \(sam.config.encoder) at \(sam.config.imageSize)², \(preprocessing) preprocessing")
        print("iou " + prediction.iou.map { String(format: "%.4f", $0) }.joined(separator: " ") + ", best mask \(best)")
        print("wrote \(folder.path)/{masks.npy, iou.npy, low_res.npy, mask.png}")
    }

    /// Parses the prompt options, rejecting malformed ones with the offending text.
    private func prompts(lowResSide: Int) throws -> SAMPrompt {
        var prompt = SAMPrompt()
        if let box {
            let values = box.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard values.count == 4 else { throw ValidationError("--box needs x1,y1,x2,y2, got '\(box)'") }
            prompt.box = values
        }
        for text in point {
            let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 3, let x = Double(parts[0]), let y = Double(parts[1]), let raw = Int(parts[2]),
                  let label = PointLabel(rawValue: raw), label != .notAPoint else {
                throw ValidationError("--point needs x,y,label with label 0 or 1, got '\(text)'")
            }
            prompt.points.append(SAMPrompt.Point(x: x, y: y, label: label))
        }
        if let maskInput {
            let array = try NPY.read(URL(fileURLWithPath: maskInput))
            let side = lowResSide
            guard array.count == side * side, array.shape.last == side, array.shape.dropLast().last == side,
                  array.dtype == .float32 || array.dtype == .float64 else {
                throw FormatError(maskInput, "mask input must be 1×\(side)×\(side) float logits, got \(array.shape) \(array.dtype)")
            }
            prompt.maskInput = Tensor(array.floats(), shape: [1, side, side])
        }
        guard prompt.box != nil || !prompt.points.isEmpty || prompt.maskInput != nil else {
            throw ValidationError("give at least one prompt: --box, --point or --mask-input")
        }
        return prompt
    }
}

extension PixelNormalization: ExpressibleByArgument {}
