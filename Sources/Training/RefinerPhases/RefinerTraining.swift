import Datasets
import Foundation
import Imaging
import Inference
import NN
import Pixels
import Refiners
import SegmentAnything
import Tensor
import TransUNetModel

/// The method's phases 2 and 3 on one cross-validation fold.
///
/// - Phase 2 (`finetuneRefiner`): the refiner's prompt encoder and mask decoder (and, by
///   option, its image encoder) learn from coarse masks made by the failure simulator (A),
///   phase 1's out-of-fold maps (B) or both, turned into prompts by the same differentiable
///   prompt generator the chain uses, or (by option) from ground-truth boxes alone. Loss: BCE +
///   Dice on every candidate, the IoU head's MSE and the quality-aware change penalty (none
///   without a coarse map). Writes `checkpoints/sam_finetuned/fold_<k>/`.
/// - Phase 3 (`endToEnd`): TransUNet and the refiner together, `0.3·L_coarse + 0.7·L_refined`,
///   the refined term reaching TransUNet through the prompt generator. Writes
///   `checkpoints/ultrarefiner/fold_<k>/` (one joint safetensors file).
///
/// Both run AdamW with cosine decay over single-image passes whose gradients accumulate into a
/// batch (each image has its own frame in SAM's input), validate before training and after
/// every epoch, keep the best weights by refined Dice, and resume exactly. Normalisation
/// layers keep their running statistics (single-image passes would make batch statistics
/// meaningless); lesion-free and tiny-lesion cases are left out, as the simulator cannot
/// corrupt them and an empty coarse map gives no prompt.
public enum RefinerTraining {
    /// What a finished phase reports.
    public struct Report: Sendable {
        /// Validation of the starting weights: for phase 2, the refiner before fine-tuning given
        /// the same coarse prompts.
        public var baselineRefinedDice: Double
        public var baselineCoarseDice: Double
        public var bestRefinedDice: Double
        public var bestCoarseDice: Double
        public var bestEpoch: Int
        /// The deliverable weights.
        public var bestFile: URL
        public var trainCases: Int
        public var valCases: Int
        /// This run's seconds per training sample, and the share of them spent outside the
        /// networks (coarse maps and prompts); nil when the run trained nothing (a rerun of a
        /// finished phase).
        public var secondsPerSample: Double?
        public var outsideModelShare: Double?
    }

    public static let refinerFolder = "sam_finetuned"
    public static let endToEndFolder = "ultrarefiner"

    /// Phase 2. `progress` is called after every step (throwing from it checkpoints and stops);
    /// `report` receives the validation tables.
    public static func finetuneRefiner(_ options: RefinerPhaseOptions, progress: (TrainingProgress) throws -> Void,
                                       report: (String) -> Void = { print($0) }) throws -> Report {
        try options.validate()
        if let imedsam = options.imedsam {
            return try finetuneIMedSAM(options, imedsam, progress: progress, report: report)
        }
        let sam = try loadSAM(options)
        let data = try PhaseData.load(options, sam: sam, transunet: nil, report: report)
        let prompts = try PhasePromptMaker(options, data: data)
        let loss = RefinerLoss()
        let weighting = RefinerPhaseWeighting(options.loss, sam: sam)

        func refine(_ item: RefinerCase, prompts: SAMPromptTensors) -> (lowRes: Tensor, iou: Tensor, sparse: Tensor) {
            sam.decode(imageEmbedding: item.embedding ?? sam.image_encoder(item.input.tensor), prompts: prompts, multimask: true)
        }
        // With learned loss weights, `last.safetensors` and the optimiser hold them beside the
        // refiner (`sam.*`, `loss_weights.*`); the deliverable stays the refiner alone.
        let trained: any Module = if let weighting { weighting } else { sam }
        let loop = PhaseLoop(
            settings: settings(options, phase: "refiner", folder: refinerFolder),
            model: trained, parameters: trained.trainableParameters(), trainNames: data.train.map(\.name),
            beginTraining: { sam.setTraining(false) },
            step: { index, sample, scale in
                let start = ContinuousClock.now
                let (item, transform) = try data.trainingSample(index, sample: sample)
                let (samplePrompts, coarseOnMaskGrid) = try prompts.training(item, sample: sample, transform: transform)
                let outside = start.duration(to: .now) / .seconds(1)
                let decoded = refine(item, prompts: samplePrompts)
                let total: Tensor
                switch options.loss {
                case .standard:
                    total = loss.refined(candidateLogits: decoded.lowRes, iouPredictions: decoded.iou,
                                         refinedTargets: item.target, coarseInRefinedFrame: coarseOnMaskGrid).total
                case .sum(let components):
                    total = components.map {
                        loss.component($0, candidateLogits: decoded.lowRes, iouPredictions: decoded.iou, refinedTargets: item.target)
                    }.reduce(Tensor(0), +)
                case .uncertainty:
                    total = weighting!.loss(decoded.lowRes, iouPredictions: decoded.iou, targets: item.target, with: loss)
                }
                (total * scale).backward()
                return (Double(total.item), outside)
            },
            validate: {
                sam.setTraining(false)
                return try compare(data.val) { i, item in
                    let (coarse, itemPrompts) = try prompts.validation(item, index: i)
                    let decoded = noGrad { refine(item, prompts: itemPrompts) }
                    let best = SAMCandidates.select(decoded.lowRes, SAMCandidates.best(iouPredictions: decoded.iou))
                    return (coarse, ValidationMasks.refined(best, input: item.input))
                }
            },
            saveBest: { url, metadata in
                try saveMerged(sam) { try sam.save(to: url, metadata: metadata.merging(weighting?.metadata ?? [:]) { $1 }) }
            },
            sigmas: weighting.map { weighting in { weighting.sigmas } as () -> [String: Double] })
        return makeReport(try loop.run(progress: progress, report: report), data: data)
    }

    /// Phase 3.
    public static func endToEnd(_ options: RefinerPhaseOptions, progress: (TrainingProgress) throws -> Void,
                                report: (String) -> Void = { print($0) }) throws -> Report {
        try options.validate()
        guard options.loss == .standard else {
            throw TrainingError("end-to-end phase", "trains on the joint loss; the uncertainty-weighted loss is phase 2's")
        }
        guard options.prompts == .coarse else {
            throw TrainingError("end-to-end phase", "prompts from its own coarse maps; ground-truth box prompts are phase 2's")
        }
        guard let transunetFile = options.transunet else {
            throw TrainingError("end-to-end phase", "needs TransUNet weights (--transunet)")
        }
        let predictor = try TransUNetPredictor(checkpoint: transunetFile)
        let sam = try loadSAM(options)
        let model = UltraRefinerModel(transunet: predictor.model, sam: sam)
        let data = try PhaseData.load(options, sam: sam, transunet: predictor, report: report)
        let loss = RefinerLoss()
        func forward(_ item: RefinerCase) -> UltraRefinerModel.Output {
            model(coarseInput: item.coarse!.input, samInput: item.embedding == nil ? item.input.tensor : nil,
                  imageEmbedding: item.embedding, frame: item.input.frame)
        }
        let loop = PhaseLoop(
            settings: settings(options, phase: "e2e", folder: endToEndFolder),
            model: model, parameters: model.trainableParameters(), trainNames: data.train.map(\.name),
            beginTraining: { model.setTraining(false) },
            step: { index, sample, scale in
                let start = ContinuousClock.now
                let item = try data.trainingSample(index, sample: sample).item
                let outside = start.duration(to: .now) / .seconds(1)
                let out = forward(item)
                let terms = loss(coarseLogits: out.coarseLogits, coarseTargets: item.coarse!.targets,
                                 candidateLogits: out.candidateLogits, iouPredictions: out.iouPredictions,
                                 refinedTargets: item.target,
                                 coarseInRefinedFrame: PromptGenerator.probabilityOnMaskGrid(out.coarseProbability, frame: item.input.frame))
                (terms.joint * scale).backward()
                // The prompts are part of the joint forward, so only augmentation counts as outside.
                return (Double(terms.joint.item), outside)
            },
            validate: {
                model.setTraining(false)
                return compare(data.val) { _, item in
                    let out = noGrad { forward(item) }
                    return (out.coarseProbability, ValidationMasks.refined(out.bestLogits, input: item.input))
                }
            },
            saveBest: { url, metadata in try saveMerged(sam) { try model.save(to: url, metadata: metadata) } })
        return makeReport(try loop.run(progress: progress, report: report), data: data)
    }

    /// Coarse and refined masks of every validation case against its ground truth, at the
    /// original size. `outputs` gives a case's coarse probability (on its square grid) and the
    /// refined mask at the original size.
    static func compare(_ cases: [RefinerCase],
                        _ outputs: (_ index: Int, _ item: RefinerCase) throws -> (coarse: Tensor, refined: Raster<UInt8>)) rethrows
        -> CoarseRefinedComparison {
        var coarse: [SegmentationMetrics] = [], refined: [SegmentationMetrics] = []
        for (i, item) in cases.enumerated() {
            let masks = try outputs(i, item)
            coarse.append(SegmentationMetrics(prediction: ValidationMasks.coarse(masks.coarse, size: item.input.originalSize),
                                              groundTruth: item.truth))
            refined.append(SegmentationMetrics(prediction: masks.refined, groundTruth: item.truth))
        }
        return CoarseRefinedComparison(coarse: coarse, refined: refined)
    }

    /// The refiner with the trainable parts the options ask for: prompt encoder and mask
    /// decoder always; the image encoder through LoRA, fully, or not at all.
    static func loadSAM(_ options: RefinerPhaseOptions) throws -> SAM {
        let sam = try SAM.load(contentsOf: options.sam)
        sam.setTraining(false)
        switch options.encoder {
        case .frozen: sam.freeze(matching: ["image_encoder.*"])
        case .lora: sam.attachLoRA(seed: TrainingSeeds(seed: options.seed).adapters)
        case .full: break
        }
        return sam
    }

    /// Runs `body` with any LoRA adapters merged, so saved weights are plain SAM weights.
    static func saveMerged(_ sam: SAM, _ body: () throws -> Void) throws {
        guard sam.loraConfig != nil else { return try body() }
        sam.mergeLoRA()
        defer { sam.unmergeLoRA() }
        try body()
    }

    static func settings(_ options: RefinerPhaseOptions, phase: String, folder: String) -> PhaseSettings {
        PhaseSettings(phase: phase, fold: options.fold, epochs: options.epochs, batchSize: options.batchSize,
                      learningRate: options.learningRate, weightDecay: options.weightDecay, seed: options.seed,
                      optimizer: options.optimizer, schedule: options.schedule,
                      folder: options.workdir.appendingPathComponent("checkpoints/\(folder)/fold_\(options.fold)"),
                      workdir: options.workdir,
                      signature: options.signature)
    }

    static func makeReport(_ result: PhaseLoop.Result, data: PhaseData) -> Report {
        Report(baselineRefinedDice: result.baseline.refinedDice, baselineCoarseDice: result.baseline.coarseDice,
               bestRefinedDice: result.best.refinedDice, bestCoarseDice: result.best.coarseDice,
               bestEpoch: result.bestEpoch, bestFile: result.bestFile,
               trainCases: data.train.count, valCases: data.val.count,
               secondsPerSample: result.samples > 0 ? result.sampleSeconds / Double(result.samples) : nil,
               outsideModelShare: result.sampleSeconds > 0 ? result.outsideModelSeconds / result.sampleSeconds : nil)
    }
}

/// The fold's training and validation cases as the refiner phases use them.
struct PhaseData {
    var train: [RefinerCase]
    var val: [RefinerCase]
    let setup: RefinerCase.Setup
    let augmentation: Augmentation?
    let augmentationSeed: UInt64

    /// Training item `index` as sample `sample` of the phase: under its seeded transform (a pure
    /// function of the seed, the epoch and the position in it) when augmenting.
    func trainingSample(_ index: Int, sample: Int) throws -> (item: RefinerCase, transform: AugmentationTransform) {
        guard let augmentation else { return (train[index], .identity) }
        let transform = augmentation.transform(seed: augmentationSeed, epoch: sample / train.count, index: sample % train.count)
        let item = try train[index].augmented(transform, setup: setup)
        // A rotation can carry a lesion at the border mostly out of the image, leaving too
        // little for the simulator; that sample is then taken as it is.
        return item.simulatable ? (item, transform) : (train[index], .identity)
    }

    static func load(_ options: RefinerPhaseOptions, sam: SAM, transunet: TransUNetPredictor?,
                     report: (String) -> Void) throws -> PhaseData {
        let sources = try TrainingSources([options.dataset] + options.additionalDatasets)
        let fold = try sources.fold(options.fold)
        func capped(_ names: [String], _ limit: Int?) -> [String] {
            guard let limit, limit < names.count else { return names }
            return Array(Splits.shuffled(names, seed: TrainingSeeds(seed: options.seed).subset(fold: options.fold)).prefix(limit)).sorted()
        }
        let trainNames = capped(fold.train, options.maxTrainCases), valNames = capped(fold.val, options.maxValCases)
        let frozen = options.frozenEncoder
        let cacheFolder = options.embeddingCache ?? options.workdir.appendingPathComponent("cache/sam_embeddings")
        let setup = RefinerCase.Setup(
            sam: sam, preprocessing: options.preprocessing ?? RefinementModels.defaultPreprocessing(for: sam.config),
            frozenEncoder: frozen, cache: frozen ? try SAMEmbeddingCache(directory: cacheFolder, model: sam) : nil,
            coarseSide: options.coarseSide, transunet: transunet)
        let start = ContinuousClock.now
        func cases(_ names: [String], _ role: String) throws -> [RefinerCase] {
            var out: [RefinerCase] = []
            for (i, name) in names.enumerated() {
                let (dataset, stem) = sources.locate(name)
                let item = try RefinerCase.load(stem, name: name, dataset: dataset, setup: setup)
                if item.simulatable { out.append(item) }
                if (i + 1) % 50 == 0 { report("loaded \(i + 1)/\(names.count) \(role) cases") }
            }
            report("\(role): \(out.count) lesion cases of \(names.count) (\(names.count - out.count) without a lesion the simulator can corrupt)")
            return out
        }
        let data = PhaseData(train: try cases(trainNames, "train"), val: try cases(valNames, "validation"), setup: setup,
                             augmentation: options.effectiveAugmentation,
                             augmentationSeed: TrainingSeeds(seed: options.seed).augmentation(fold: options.fold))
        guard !data.train.isEmpty, !data.val.isEmpty else {
            throw TrainingError(options.dataset.path, "fold \(options.fold) has no lesion cases to train or validate the refiner on")
        }
        report(String(format: "cases ready in %.1f s%@", start.duration(to: .now) / .seconds(1),
                      frozen ? " (frozen encoder: embeddings from \(cacheFolder.path))" : ""))
        return data
    }
}

/// Phase 2's prompts for a case, from coarse maps (simulated, out-of-fold or both) through the
/// prompt generator, or from the ground-truth box, as the options say; shared by the SAM and
/// I-MedSAM refiners.
struct PhasePromptMaker {
    let options: RefinerPhaseOptions
    let maps: CoarseMaps
    let generator = PromptGenerator()
    let seeds: TrainingSeeds
    /// Validation maps are fixed across epochs: indices past any training sample's.
    static let validationIndex = 1 << 40

    init(_ options: RefinerPhaseOptions, data: PhaseData) throws {
        self.options = options
        seeds = TrainingSeeds(seed: options.seed)
        maps = CoarseMaps(
            source: options.coarse, simulator: FailureSimulator(seed: seeds.coarseMaps(fold: options.fold)),
            outOfFold: try options.coarse.needsOutOfFold ? options.outOfFold.map {
                try CoarseMaps.readOutOfFold((data.train + data.val).map(\.name), folder: $0, side: options.coarseSide)
            } ?? [:] : [:],
            side: options.coarseSide, seed: seeds.coarseMaps(fold: options.fold))
    }

    /// Training sample `sample`'s prompts and the coarse map in the refined frame, for the
    /// change penalty (none with box prompts).
    func training(_ item: RefinerCase, sample: Int, transform: AugmentationTransform) throws
        -> (prompts: SAMPromptTensors, coarseOnMaskGrid: Tensor?) {
        switch options.prompts {
        case .coarse:
            let probability = try maps.probability(for: item, index: sample, transform: transform)
            return (generator(probability, frame: item.input.frame).samPromptTensors,
                    PromptGenerator.probabilityOnMaskGrid(probability, frame: item.input.frame))
        case .groundTruthBox(let shift):
            let jitter = SeededGenerator(seed: seeds.boxJitter(fold: options.fold)).derived(UInt64(sample))
            return (item.groundTruthBoxPrompt(shift: shift, jitter: jitter), nil)
        }
    }

    /// Validation case `index`'s coarse map (the box as a mask with box prompts) and prompts.
    func validation(_ item: RefinerCase, index: Int) throws -> (coarse: Tensor, prompts: SAMPromptTensors) {
        switch options.prompts {
        case .coarse:
            let coarse = try maps.probability(for: item, index: Self.validationIndex + index)
            return (coarse, generator(coarse, frame: item.input.frame).samPromptTensors)
        case .groundTruthBox:
            return (item.groundTruthBoxOnCoarseGrid, item.groundTruthBoxPrompt(shift: 0, jitter: nil))
        }
    }
}
