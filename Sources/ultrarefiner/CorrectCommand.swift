import ArgumentParser
import Foundation
import Formats
import Imaging
import Inference
import Refiners
import SegmentAnything
import Training

/// Where the GRU corrector comes from: a file, else the named model's `corrector.safetensors`.
struct CorrectorArguments: ParsableArguments {
    @Option(help: "GRU corrector weights (`train corrector`'s corrector.safetensors). Default: the model's corrector.safetensors.")
    var corrector: String?

    /// The file to load for `selection`'s model.
    func url(_ selection: ModelSelection) throws -> URL {
        if let corrector { return URL(fileURLWithPath: corrector) }
        guard let file = selection.correctorWeights else { throw ValidationError("give --corrector: no named model to take it from") }
        return file
    }

    /// The corrector and the id its states are tied to.
    func load(_ selection: ModelSelection) throws -> (GRUCorrector, id: String) {
        let file = try url(selection)
        return (try GRUCorrector.load(contentsOf: file), RefinementModels.identify(file))
    }
}

/// `ultrarefiner correct`: one round of interactive correction on top of an image's last state.
struct Correct: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run one round of GRU click correction on an image, on top of its last state.",
        discussion: """
            Without a state in --state (default: --out), round 0 is the chain's refined mask (with \
            --box, the chain prompted with that box); the clicks of --points then run one corrector \
            round. Writes OUT/mask.png (0/255, original size), OUT/probability.npy (float32, \
            original size) and the state (correction.json, logits.npy, hidden.npy) to --state, \
            which the next `correct` continues. Points: {"points": [{"x": X, "y": Y, "label": 1}, ...]} \
            in original pixels, label 1 lesion, 0 background.
            """)

    @OptionGroup var weights: ModelArguments
    @OptionGroup var correctorArguments: CorrectorArguments

    @Option(help: "The grayscale image (PNG).")
    var image: String

    @Option(help: "This round's clicks (JSON).")
    var points: String

    @Option(help: "Folder of the correction state, read if present and rewritten (default: --out).")
    var state: String?

    @Option(help: "Round 0 only: the chain's box prompt, x0,y0,x1,y1 in original pixels.")
    var box: String?

    @Option(help: "Output folder.")
    var out: String

    func run() throws {
        let imageURL = URL(fileURLWithPath: image)
        let gray = try PNG.readGray(imageURL)
        let pointsURL = URL(fileURLWithPath: points)
        let clicks = try PromptSidecars.read(box: nil, points: pointsURL, width: gray.width, height: gray.height).points ?? []
        let (corrector, correctorID) = try correctorArguments.load(weights.selection)
        let outFolder = URL(fileURLWithPath: out), stateFolder = URL(fileURLWithPath: state ?? out)
        var session: CorrectionSession
        if let stored = try CorrectionStore.load(from: stateFolder, corrector: corrector, correctorID: correctorID,
                                                 imageWidth: gray.width, imageHeight: gray.height) {
            if box != nil { print("note: --box is for round 0; the state in \(stateFolder.path) is at round \(stored.session.round)") }
            session = stored.session
        } else {
            var override = PromptSidecars()
            if let box {
                override.box = try PromptSidecars.parseBox(Data("{\"box\": [\(box)]}".utf8), name: "--box", width: gray.width, height: gray.height)
            }
            let refined = try RefinementModels(selection: weights.selection).refine(gray, override: override)
            session = CorrectionStore.start(probability: refined.refinedProbability, imageWidth: gray.width,
                                            imageHeight: gray.height, corrector: corrector)
        }
        CorrectionStore.correct(&session, points: clicks, corrector: corrector)
        try FileManager.default.createDirectory(at: outFolder, withIntermediateDirectories: true)
        try PNG.write(session.imageMask, to: outFolder.appendingPathComponent("mask.png"))
        let probability = session.imageProbability
        try NPY.write(NPYArray(float32: probability, shape: [gray.height, gray.width]), to: outFolder.appendingPathComponent("probability.npy"))
        try CorrectionStore.save(session, correctorID: correctorID, to: stateFolder)
        print("round \(session.round): \(clicks.count) click(s), \(session.clicks.count) in all; wrote mask.png and probability.npy to \(outFolder.path), state to \(stateFolder.path)")
    }
}

/// `ultrarefiner train corrector`: the GRU corrector on simulated clicks over LiteMedSAM's
/// ground-truth-box masks of a prepared dataset's training split.
struct TrainCorrector: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "corrector",
        abstract: "Train the GRU click corrector on a prepared dataset's training cases (round 0: SAM with the ground-truth box).",
        discussion: """
            Writes OUT/last.safetensors (weights, AdamW moments, epochs done: rerunning resumes), \
            OUT/metrics.jsonl (one line per epoch) and, at the end, OUT/corrector.safetensors (the \
            weights and config, for `correct`, the daemon and `evaluate --prompt clicks`). Image \
            embeddings are cached in --cache, so a rerun skips the encoder.
            """)

    @Option(help: "A prepared dataset folder (with splits.json).")
    var dataset: String

    @Option(help: "Which cases: train (default), test, or valK.")
    var split = "train"

    @Option(help: "SAM weights giving round 0 (default: the base LiteMedSAM).")
    var sam = ModelSelection.baseLiteMedSAM.relativePath

    @Option(help: "Folder for cached image embeddings.")
    var cache: String?

    @Option(help: "Output folder.")
    var out: String

    @Option(help: "Epochs.")
    var epochs = 20

    @Option(help: "Episodes per AdamW step.")
    var batchSize = 8

    @Option(help: "AdamW learning rate.")
    var lr: Float = 1e-3

    @Option(help: "Weight of the loss term that keeps uncertain points at their round-0 probability.")
    var consistencyWeight: Float = CorrectorTrainingOptions().consistencyWeight

    @Option(help: "Seed of the initial weights, case order and round counts.")
    var seed: UInt64 = 0

    @Option(help: "Use only N cases, evenly spaced over the split (which lists each class in turn) (0: all).")
    var maxCases = 0

    func run() throws {
        let datasetFolder = URL(fileURLWithPath: dataset), outFolder = URL(fileURLWithPath: out)
        let chosen = try EvaluationSplit.resolve(split, dataset: datasetFolder)
        let model = try SAM.load(contentsOf: URL(fileURLWithPath: sam))
        let preprocessing = RefinementModels.defaultPreprocessing(for: model.config)
        let embeddings = try cache.map { try SAMEmbeddingCache(directory: URL(fileURLWithPath: $0), model: model) }
        let all = chosen.cases
        let names = maxCases > 0 && maxCases < all.count ? (0..<maxCases).map { all[$0 * all.count / maxCases] } : all
        let config = GRUCorrectorConfig()
        print("round 0 of \(names.count) cases of split \(chosen.name) with \(sam)")
        let start = DispatchTime.now().uptimeNanoseconds
        let cases = try CorrectionRoundZero.cases(names, in: datasetFolder.appendingPathComponent(chosen.folder), sam: model,
                                                  preprocessing: preprocessing, gridSide: config.gridSide,
                                                  cache: embeddings) { position, name in
            if position % 50 == 0 { print("[\(position)/\(names.count)] \(name)") }
        }
        print(String(format: "%d cases with a lesion, round 0 in %.0f s", cases.count, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9))
        let hard = cases.map { c in Overlap.dice(intersection: zip(c.initialLogits, c.truth).filter { $0 > 0 && $1 }.count,
                                                 areaA: c.initialLogits.filter { $0 > 0 }.count, areaB: c.truth.filter { $0 }.count) }
        let logits = cases.flatMap(\.initialLogits)
        print(String(format: "round-0 Dice on the grid: mean %.4f; logits from %.1f to %.1f", hard.reduce(0, +) / Double(max(hard.count, 1)),
                     logits.min() ?? 0, logits.max() ?? 0))
        let options = CorrectorTrainingOptions(epochs: epochs, batchSize: batchSize, learningRate: lr,
                                               consistencyWeight: consistencyWeight, seed: seed)
        var training = CorrectorTraining(corrector: GRUCorrector(config: config, seed: seed), options: options)
        try FileManager.default.createDirectory(at: outFolder, withIntermediateDirectories: true)
        _ = try training.train(cases, checkpoint: outFolder.appendingPathComponent("last.safetensors"),
                               metrics: outFolder.appendingPathComponent("metrics.jsonl")) { print($0) }
        let final = outFolder.appendingPathComponent("corrector.safetensors")
        try training.corrector.save(to: final, metadata: ["phase": CorrectorTraining.phase, "dataset": datasetFolder.path,
                                                          "split": chosen.name, "epochs": String(epochs), "sam": sam])
        print("wrote \(final.path)")
    }
}
