import ArgumentParser
import Durable
import Formats
import Foundation
import Imaging
import Inference
import Pixels
import SegmentAnything
import Tensor
import Training
import TransUNetModel

/// `ultrarefiner infer`: segment one image with the whole chain — TransUNet coarse
/// probability, differentiable prompts, SAM refinement — or, with `--coarse-only`, the
/// TransUNet stage alone. The shipped model runs unless other weights are named; the outputs
/// are the daemon's for the same image. With `--gt` it prints the coarse/refined metric table.
struct Infer: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Segment one ultrasound image: TransUNet coarse mask refined by SAM (or the coarse mask alone).")

    @Flag(help: "Run only the TransUNet stage.")
    var coarseOnly = false

    @OptionGroup var weights: ModelArguments

    @Option(help: "Square preprocessing with this normalisation: sam (UltraRefiner's) or minmax (MedSAM's). Default: the SAM family's own (square + sam for ViT SAM, LiteMedSAM's recipe for LiteMedSAM).")
    var squareNorm: PixelNormalization?

    @Option(name: .customLong("embedding-cache"),
            help: "Folder for cached SAM image embeddings: refining the same image again (other prompts) skips the encoder.")
    var embeddingCache: String?

    @Option(help: "Input PNG (converted to grayscale).")
    var image: String

    @Option(help: "Ground-truth mask PNG: print Dice, IoU, precision, recall, accuracy, HD95 and ASD for both stages.")
    var gt: String?

    @Option(help: "Output folder.")
    var out: String

    func run() throws {
        let outFolder = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: outFolder, withIntermediateDirectories: true)
        let gray = try PNG.readGray(URL(fileURLWithPath: image))
        let truth = try gt.map { try PNG.readGray(URL(fileURLWithPath: $0)) }
        if let truth, truth.width != gray.width || truth.height != gray.height {
            throw ValidationError("\(gt!): mask is \(truth.width)×\(truth.height) but the image is \(gray.width)×\(gray.height)")
        }
        let selection = weights.selection
        guard !coarseOnly else {
            let predictor = try selection.transunet.map { try TransUNetPredictor(checkpoint: $0, configName: selection.transunetConfig) }
                ?? RefinementModels(selection: selection).coarse
            let probability = noGrad { predictor.foregroundProbability(gray) }
            let side = predictor.model.config.imageSize
            try NPY.write(NPYArray(float32: probability.scalars, shape: [side, side]), to: outFolder.appendingPathComponent("coarse.npy"))
            let coarseMask = TransUNetPredictor.mask(probability, width: gray.width, height: gray.height)
            try PNG.write(coarseMask, to: outFolder.appendingPathComponent("mask.png"))
            print("wrote coarse.npy and mask.png to \(outFolder.path)")
            if let truth { printMetrics(coarse: coarseMask, refined: nil, truth: truth) }
            return
        }

        // The same chain the daemon runs on each inbox image.
        let models = try RefinementModels(selection: selection, samPreprocessing: squareNorm.map { .square($0) },
                                          embeddingCache: embeddingCache.map { URL(fileURLWithPath: $0) })
        let result = try models.refine(gray)
        try NPY.write(NPYArray(float32: result.coarseProbability, shape: [result.coarseSide, result.coarseSide]),
                      to: outFolder.appendingPathComponent("coarse.npy"))
        try NPY.write(NPYArray(float32: result.refinedProbability, shape: [gray.height, gray.width]),
                      to: outFolder.appendingPathComponent("refined.npy"))
        try PNG.write(result.mask, to: outFolder.appendingPathComponent("mask.png"))
        let coarseMask = noGrad {
            TransUNetPredictor.mask(Tensor(result.coarseProbability, shape: [result.coarseSide, result.coarseSide]),
                                    width: gray.width, height: gray.height)
        }
        try PNG.write(MaskOverlay.picture(gray, truth: truth, coarse: coarseMask, refined: result.mask,
                                          side: min(512, max(gray.width, gray.height))),
                      to: outFolder.appendingPathComponent("overlay.png"))
        try AtomicFile.write(try JSONSerialization.data(withJSONObject: result.prompts, options: [.prettyPrinted, .sortedKeys]),
                             to: outFolder.appendingPathComponent("prompts.json"))
        print("wrote coarse.npy, refined.npy, mask.png, overlay.png (contours: green truth, red coarse, blue refined) "
            + "and prompts.json to \(outFolder.path)")
        if let truth { printMetrics(coarse: coarseMask, refined: result.mask, truth: truth) }
    }

    /// One row per metric: name, coarse, refined, delta with its direction.
    func printMetrics(coarse: Raster<UInt8>, refined: Raster<UInt8>?, truth: Raster<UInt8>) {
        let c = SegmentationMetrics(prediction: coarse, groundTruth: truth)
        let r = refined.map { SegmentationMetrics(prediction: $0, groundTruth: truth) }
        let rows: [(String, (SegmentationMetrics) -> Double?)] = [
            ("Dice", { $0.dice }), ("IoU", { $0.iou }), ("Precision", { $0.precision }), ("Recall", { $0.recall }),
            ("Accuracy", { $0.accuracy }), ("HD95", { $0.hd95 }), ("ASD", { $0.asd }),
        ]
        func cell(_ v: Double?) -> String { v.map { String(format: "%7.4f", $0) } ?? "    n/a" }
        print("Metric     Coarse  Refined    Delta")
        for (name, value) in rows {
            let a = value(c), b = r.flatMap(value)
            var line = name.padding(toLength: 9, withPad: " ", startingAt: 0) + " " + cell(a) + "  " + cell(b)
            if let a, let b {
                let d = b - a
                line += String(format: "  %+7.4f %@", d, d > 0 ? "↑" : (d < 0 ? "↓" : "="))
            }
            print(line)
        }
    }
}
