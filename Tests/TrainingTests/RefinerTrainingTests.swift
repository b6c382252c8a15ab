import Formats
import Imaging
import Inference
import Foundation
import NN
import Refiners
import SegmentAnything
import Tensor
import TestSupport
import Testing
import Training
import TransUNetModel

/// A phantom dataset with small random-weight models for the refiner phases: a tiny ViT SAM
/// at 128² (8² embedding, 32² masks) and TransUNet cpu-tiny at 32².
private struct RefinerPhantoms {
    let folds: PhantomFolds
    let sam: URL
    let transunet: URL

    init(label: String) throws {
        folds = try PhantomFolds(count: 10, label: label)
        sam = folds.root.appendingPathComponent("sam.safetensors")
        transunet = folds.root.appendingPathComponent("transunet.safetensors")
        var config = SAMConfig.tiny
        config.imageSize = 128
        try SAM(config: config, seed: 3).save(to: sam)
        try TransUNet(TransUNetConfig.cpuTiny.withImageSize(32), seed: 4).save(to: transunet)
    }

    func options(_ workdir: String, epochs: Int, learningRate: Float = 1e-3) -> RefinerPhaseOptions {
        RefinerPhaseOptions(dataset: folds.dataset, fold: 0, sam: sam, workdir: folds.root.appendingPathComponent(workdir),
                            epochs: epochs, batchSize: 2, learningRate: learningRate, seed: 9, coarseSide: 32,
                            preprocessing: .square(.sam))
    }

    func tensors(_ url: URL) throws -> [String: Tensor] { try Safetensors.read(url).tensors.tensorsByKey() }
}

private struct Stop: Error {}

private func changed(_ a: [String: Tensor], _ b: [String: Tensor], prefix: String, keyPrefix: String = "") -> Int {
    a.keys.filter { $0.hasPrefix(prefix) }.filter { key in
        guard let other = b[keyPrefix + key] else { return false }
        return other.scalars != a[key]!.scalars
    }.count
}

/// Phase 2 with a frozen encoder trains the prompt encoder and mask decoder only, validates
/// before training and after each epoch, and writes a SAM checkpoint the chain can load.
@Test func refinerPhaseTrainsTheDecoderAndLeavesTheFrozenEncoderAlone() throws {
    let data = try RefinerPhantoms(label: "refiner-phase")
    defer { data.folds.remove() }
    var options = data.options("work", epochs: 2)
    // Option A reads no out-of-fold maps, even when a folder for them is named (the pipeline
    // always names one; with one phase-1 fold most training images have none).
    options.outOfFold = data.folds.root.appendingPathComponent("no-such-folder")
    var steps = 0
    let report = try RefinerTraining.finetuneRefiner(options, progress: { _ in steps += 1 }, report: { _ in })
    let folder = options.workdir.appendingPathComponent("checkpoints/sam_finetuned/fold_0")
    #expect(steps == 2 * ((report.trainCases + 1) / 2))
    #expect(report.trainCases > 0 && report.valCases > 0)

    let initial = try data.tensors(data.sam)
    let last = try data.tensors(folder.appendingPathComponent("last.safetensors"))
    #expect(changed(initial, last, prefix: "mask_decoder.") > 10)
    #expect(changed(initial, last, prefix: "image_encoder.") == 0)
    #expect(last.keys.contains { $0.hasPrefix("adamw.m.mask_decoder.") })
    #expect(!last.keys.contains { $0.hasPrefix("adamw.m.image_encoder.") })

    let lines = try String(contentsOf: folder.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
        .split(separator: "\n")
    #expect(lines.count == 3, "the baseline validation and one line per epoch")
    #expect(lines[0].contains("\"epoch\":0") && lines[2].contains("\"epoch\":2"))
    let best = try SAM.load(contentsOf: report.bestFile)
    #expect(best.config.imageSize == 128)
}

/// Runs phase 2 straight through and again stopped in the middle of epoch 2 then rerun, each
/// with `data.options(workdir, epochs: 2)` changed by `configure`, and expects the same files
/// byte for byte; returns the options of the resumed run.
@discardableResult
private func expectExactResume(_ data: RefinerPhantoms,
                               _ configure: (inout RefinerPhaseOptions) -> Void = { _ in }) throws -> RefinerPhaseOptions {
    func options(_ workdir: String) -> RefinerPhaseOptions {
        var options = data.options(workdir, epochs: 2)
        configure(&options)
        return options
    }
    let straight = options("straight")
    _ = try RefinerTraining.finetuneRefiner(straight, progress: { _ in }, report: { _ in })

    let resumed = options("resumed")
    #expect(throws: Stop.self) {
        _ = try RefinerTraining.finetuneRefiner(resumed, progress: { progress in
            if progress.epoch == 2 && progress.iteration == 1 { throw Stop() }
        }, report: { _ in })
    }
    var seen: [TrainingProgress] = []
    _ = try RefinerTraining.finetuneRefiner(resumed, progress: { seen.append($0) }, report: { _ in })
    #expect(seen.first?.epoch == 2 && seen.first?.iteration == 2)
    for file in ["last.safetensors", "best.safetensors", "metrics.jsonl"] {
        let a = try Data(contentsOf: straight.workdir.appendingPathComponent("checkpoints/sam_finetuned/fold_0/\(file)"))
        let b = try Data(contentsOf: resumed.workdir.appendingPathComponent("checkpoints/sam_finetuned/fold_0/\(file)"))
        #expect(a == b, "\(file) differs after resuming")
    }
    return resumed
}

/// Stopping phase 2 in the middle of an epoch and rerunning gives the files of an
/// uninterrupted run, byte for byte; other options do not resume the checkpoint.
@Test func refinerPhaseResumesExactly() throws {
    let data = try RefinerPhantoms(label: "refiner-resume")
    defer { data.folds.remove() }
    try expectExactResume(data)

    var other = data.options("resumed", epochs: 3)
    other.learningRate = 5e-4
    #expect(throws: TrainingError.self) {
        _ = try RefinerTraining.finetuneRefiner(other, progress: { _ in }, report: { _ in })
    }
}

/// U-MedSAM's recipe: every loss component weighted by learned uncertainty, sharpness-aware AdamW.
private func uMedSAM(_ options: inout RefinerPhaseOptions) {
    options.loss = .uncertainty(components: RefinerLoss.Component.allCases, form: .paper)
    options.optimizer = .sharpnessAware(rho: 0.05)
    options.schedule = .plateau
}

/// Phase 2 with U-MedSAM's recipe: the loss falls, the σ's move and are logged every epoch (in
/// metrics.jsonl and TensorBoard), the plateau schedule keeps the rate (no plateau yet), the
/// σ's and their moments are in `last.safetensors`, and `best.safetensors` stays a SAM
/// checkpoint with the σ's in its metadata.
@Test func refinerPhaseTrainsWithUncertaintyWeightsSharpnessAwareAdamWAndPlateau() throws {
    let data = try RefinerPhantoms(label: "refiner-umedsam")
    defer { data.folds.remove() }
    var options = data.options("work", epochs: 3)
    uMedSAM(&options)
    let report = try RefinerTraining.finetuneRefiner(options, progress: { _ in }, report: { _ in })
    let folder = options.workdir.appendingPathComponent("checkpoints/sam_finetuned/fold_0")

    struct Line: Decodable { var epoch: Int; var loss: Double?; var lr: Float?; var sigma: [String: Double]? }
    let lines = try String(contentsOf: folder.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
        .split(separator: "\n").map { try JSONDecoder().decode(Line.self, from: Data($0.utf8)) }
    let epochs = Array(lines.dropFirst())
    #expect(epochs.count == 3 && lines[0].sigma == nil)
    let losses = epochs.compactMap(\.loss)
    #expect(losses.count == 3 && losses[2] < losses[0], "the loss should fall: \(losses)")
    #expect(epochs.allSatisfy { $0.lr == options.learningRate }, "a plateau schedule keeps the rate for 5 epochs")
    let sigmas = epochs.compactMap(\.sigma)
    #expect(sigmas.count == 3 && sigmas.allSatisfy { Set($0.keys) == ["dice", "bce", "mse", "shape"] })
    #expect(sigmas[0].values.allSatisfy { abs($0 - 1) > 1e-4 }, "every σ should move off 1: \(sigmas[0])")
    #expect(sigmas[2] != sigmas[0])

    let runs = options.workdir.appendingPathComponent("runs/refiner/fold_0")
    let eventFile = try #require(try FileManager.default.contentsOfDirectory(atPath: runs.path).first)
    let logged = try EventFileDecoder.events(at: runs.appendingPathComponent(eventFile))
        .flatMap { event in event.values.filter { $0.tag == "sigma/dice" }.map { (event.step, $0.value) } }
    #expect(logged.map(\.1) == sigmas.map { Float($0["dice"]!) })

    let (last, metadata) = try Safetensors.read(folder.appendingPathComponent("last.safetensors"))
    let keys = Set(last.tensorsByKey().keys)
    #expect(keys.isSuperset(of: ["loss_weights.log_variances", "adamw.m.loss_weights.log_variances",
                                 "adamw.v.loss_weights.log_variances"]))
    #expect(keys.contains { $0.hasPrefix("sam.mask_decoder.") })
    #expect(metadata["training_position"]?.contains("\"plateau\"") == true)
    let best = try Safetensors.read(report.bestFile)
    #expect(!best.tensors.tensorsByKey().keys.contains { $0.hasPrefix("loss_weights") || $0.hasPrefix("sam.") })
    #expect(best.metadata["uncertainty_sigmas"]?.contains("\"shape\"") == true)
    #expect(try SAM.load(contentsOf: report.bestFile).config.imageSize == 128)
}

/// Sharpness-aware steps differ from plain AdamW's under otherwise equal options.
@Test func sharpnessAwareAdamWChangesTheSteps() throws {
    let data = try RefinerPhantoms(label: "refiner-sam-adamw")
    defer { data.folds.remove() }
    func lastWeights(_ optimizer: PhaseOptimizer, _ workdir: String) throws -> [String: Tensor] {
        var options = data.options(workdir, epochs: 2)
        options.maxTrainCases = 2
        options.optimizer = optimizer
        _ = try RefinerTraining.finetuneRefiner(options, progress: { _ in }, report: { _ in })
        return try data.tensors(options.workdir.appendingPathComponent("checkpoints/sam_finetuned/fold_0/last.safetensors"))
    }
    let plain = try lastWeights(.adamw, "adamw"), sharp = try lastWeights(.sharpnessAware(rho: 0.05), "sam-adamw")
    #expect(changed(plain, sharp, prefix: "mask_decoder.") > 10)
}

/// U-MedSAM's recipe resumes exactly too: σ's, their moments and the plateau state included.
@Test func refinerPhaseWithUMedSAMRecipeResumesExactly() throws {
    let data = try RefinerPhantoms(label: "refiner-umedsam-resume")
    defer { data.folds.remove() }
    let resumed = try expectExactResume(data, uMedSAM)
    var standard = resumed
    standard.loss = .standard
    #expect(throws: TrainingError.self) {
        _ = try RefinerTraining.finetuneRefiner(standard, progress: { _ in }, report: { _ in })
    }
}

/// Phase 3 changes TransUNet's weights, and the refined term of the joint loss reaches them:
/// TransUNet's gradient with the refined term differs from the coarse term's alone.
@Test func endToEndPhaseTrainsTransUNetThroughTheRefinedTerm() throws {
    let data = try RefinerPhantoms(label: "e2e-phase")
    defer { data.folds.remove() }
    var options = data.options("work", epochs: 1)
    options.transunet = data.transunet
    let report = try RefinerTraining.endToEnd(options, progress: { _ in }, report: { _ in })
    let last = try data.tensors(options.workdir.appendingPathComponent("checkpoints/ultrarefiner/fold_0/last.safetensors"))
    #expect(changed(try data.tensors(data.transunet), last, prefix: "", keyPrefix: "transunet.") > 10)
    let saved = try UltraRefinerModel.load(contentsOf: report.bestFile)
    #expect(saved.transunet.config.imageSize == 32 && saved.sam.config.imageSize == 128)

    // One training pass by hand: the gradient of 0.3·coarse alone versus the joint loss.
    let model = UltraRefinerModel(transunet: try TransUNet.load(contentsOf: data.transunet),
                                  sam: try SAM.load(contentsOf: data.sam))
    var generator = SeededGenerator(seed: 1)
    let image = Tensor.uniform([1, 1, 32, 32], generator: &generator)
    let samImage = Tensor.uniform([1, 3, 128, 128], generator: &generator)
    let labels = (0..<(32 * 32)).map { ($0 % 32 > 10 && $0 % 32 < 20 && $0 / 32 > 8 && $0 / 32 < 22) ? 1 : 0 }
    let target = Tensor((0..<(32 * 32)).map { ($0 % 32 > 10 && $0 % 32 < 20 && $0 / 32 > 8 && $0 / 32 < 22) ? 1 : 0 },
                        shape: [1, 1, 32, 32])
    func gradient(coarseOnly: Bool) -> [Float] {
        model.zeroGrad()
        let out = model(coarseInput: image, samInput: samImage, frame: .square(128, maskSide: 32))
        let terms = RefinerLoss()(coarseLogits: out.coarseLogits,
                                  coarseTargets: Losses.oneHot(labels, batch: 1, classes: 2, height: 32, width: 32),
                                  candidateLogits: out.candidateLogits, iouPredictions: out.iouPredictions,
                                  refinedTargets: target,
                                  coarseInRefinedFrame: PromptGenerator.probabilityOnMaskGrid(out.coarseProbability,
                                                                                              frame: .square(128, maskSide: 32)))
        (coarseOnly ? terms.coarse * 0.3 : terms.joint).backward()
        return model.transunet.namedParameters().flatMap { $0.parameter.grad?.scalars ?? [] }
    }
    let coarse = gradient(coarseOnly: true), joint = gradient(coarseOnly: false)
    let difference = zip(coarse, joint).map { abs($0 - $1) }.reduce(0, +)
    #expect(difference > 1e-3 * coarse.map(abs).reduce(0, +), "the refined term adds nothing to TransUNet's gradient")
}

/// Augmentation changes what a trained encoder sees (the first step's loss moves), and leaves
/// a frozen encoder's runs exactly as they were (its cached embeddings admit none).
@Test func refinerPhaseAugmentsOnlyWhenTheEncoderTrains() throws {
    let data = try RefinerPhantoms(label: "refiner-augment")
    defer { data.folds.remove() }
    func firstLoss(_ encoder: EncoderTraining, augment: Bool, _ workdir: String) throws -> Double {
        var options = data.options(workdir, epochs: 1)
        options.encoder = encoder
        options.maxTrainCases = 2
        options.augmentation = augment ? Augmentation() : nil
        var losses: [Double] = []
        _ = try RefinerTraining.finetuneRefiner(options, progress: { losses.append($0.loss) }, report: { _ in })
        return try #require(losses.first)
    }
    #expect(try firstLoss(.frozen, augment: true, "frozen-a") == firstLoss(.frozen, augment: false, "frozen-b"))
    #expect(try firstLoss(.lora, augment: true, "lora-a") != firstLoss(.lora, augment: false, "lora-b"))
}

/// Phase 2 prompted by jittered ground-truth boxes (the U-MedSAM setting) resumes exactly; its
/// validation compares the refined masks with the boxes themselves, which cover every lesion
/// (recall 1) but are not the lesions (Dice below 1); phase 3 refuses box prompts.
@Test func refinerPhaseOnGroundTruthBoxesResumesExactlyAndComparesWithTheBox() throws {
    let data = try RefinerPhantoms(label: "refiner-gt-box")
    defer { data.folds.remove() }
    let options = try expectExactResume(data) { $0.prompts = .groundTruthBox(shift: 3) }
    let lines = try String(contentsOf: options.workdir.appendingPathComponent("checkpoints/sam_finetuned/fold_0/metrics.jsonl"),
                           encoding: .utf8).split(separator: "\n")
    struct Line: Decodable {
        struct Row: Decodable { var key: String; var coarse: Double }
        struct Validation: Decodable { var rows: [Row] }
        var validation: Validation
    }
    let baseline = try JSONDecoder().decode(Line.self, from: Data(lines[0].utf8)).validation.rows
    let dice = try #require(baseline.first { $0.key == "dice" }?.coarse)
    let recall = try #require(baseline.first { $0.key == "recall" }?.coarse)
    let precision = try #require(baseline.first { $0.key == "precision" }?.coarse)
    #expect(dice > 0.3 && dice < 0.99)
    // A box covers its lesion, up to the half-pixel edges lost on the way to the 32² coarse
    // grid and back to 64²; what it adds is the corners around a rounded lesion.
    #expect(recall > 0.85 && recall > precision + 0.05, "recall \(recall), precision \(precision)")

    var e2e = data.options("e2e", epochs: 1)
    e2e.transunet = data.transunet
    e2e.prompts = .groundTruthBox(shift: 5)
    #expect(throws: TrainingError("end-to-end phase", "prompts from its own coarse maps; ground-truth box prompts are phase 2's")) {
        _ = try RefinerTraining.endToEnd(e2e, progress: { _ in }, report: { _ in })
    }
}

/// Phase 2 with `refiner = imedsam`: only the adapters, LoRA and implicit decoder train; the
/// deliverable records the family and its base, and the inference chain, given it as its
/// refiner weights, segments with I-MedSAM's decoder at the image's size.
@Test func imedsamPhaseTrainsTheAdaptersAndTheChainRunsIt() throws {
    let data = try RefinerPhantoms(label: "imedsam-phase")
    defer { data.folds.remove() }
    var options = data.options("work", epochs: 1)
    options.prompts = .groundTruthBox(shift: 2)
    options.imedsam = IMedSAMTrainingOptions(
        model: IMedSAMConfig(decoder: ImplicitDecoderConfig(hiddenWidth: 16, fourierFrequencies: 4)), querySide: 16)
    let report = try RefinerTraining.finetuneRefiner(options, progress: { _ in }, report: { _ in })
    #expect(report.bestFile.path.contains("checkpoints/imedsam/fold_0/"))
    #expect(IMedSAM.isCheckpoint(report.bestFile))

    let last = try data.tensors(report.bestFile.deletingLastPathComponent().appendingPathComponent("last.safetensors"))
    let initial = try data.tensors(data.sam)
    #expect(changed(initial, last, prefix: "", keyPrefix: "sam.") == 0, "no pretrained SAM tensor trained")
    #expect(last.keys.contains { $0.hasPrefix("adamw.m.sam.image_encoder.") && $0.contains(".adapter.") })
    #expect(last.keys.contains { $0.hasPrefix("adamw.m.decoder.") })

    // The chain finds the base by the file name the checkpoint records, in the models' base folder.
    let base = data.folds.root.appendingPathComponent("models/base")
    try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
    try FileManager.default.copyItem(at: data.sam, to: base.appendingPathComponent(data.sam.lastPathComponent))
    let models = try RefinementModels(selection: ModelSelection(root: data.folds.root.appendingPathComponent("models"), name: nil,
                                                                transunet: data.transunet, sam: report.bestFile),
                                      samPreprocessing: .square(.sam))
    #expect(models.imedsam != nil)
    let image = try PNG.readGray(data.folds.dataset.appendingPathComponent("train/images/\(data.folds.splits.train[0]).png"))
    let refined = try models.refine(image)
    #expect(refined.mask.width == image.width && refined.mask.height == image.height)
    #expect(refined.timings.contains { $0.step == "imedsam-decoder" })
}

/// Phase 2 on the plain sum of Dice and BCE (the baseline U-MedSAM's loss is compared with)
/// trains the mask decoder; with no IoU term, the IoU head receives no gradient and stays put.
@Test func refinerPhaseOnPlainDiceAndBCELeavesTheIoUHeadAlone() throws {
    let data = try RefinerPhantoms(label: "refiner-sum")
    defer { data.folds.remove() }
    var options = data.options("work", epochs: 1)
    options.loss = .sum(components: [.dice, .bce])
    _ = try RefinerTraining.finetuneRefiner(options, progress: { _ in }, report: { _ in })
    let initial = try data.tensors(data.sam)
    let last = try data.tensors(options.workdir.appendingPathComponent("checkpoints/sam_finetuned/fold_0/last.safetensors"))
    #expect(changed(initial, last, prefix: "mask_decoder.output_hypernetworks_mlps.") > 5)
    #expect(changed(initial, last, prefix: "mask_decoder.iou_prediction_head.") == 0)
}
