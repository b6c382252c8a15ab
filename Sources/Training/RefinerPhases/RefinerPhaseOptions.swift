import Foundation
import Imaging
import Refiners
import SegmentAnything

/// How much of the refiner's image encoder trains in phases 2 and 3.
public enum EncoderTraining: String, Sendable, Codable, CaseIterable {
    /// Not at all: embeddings are computed once per image (and kept in the embedding cache).
    case frozen
    /// LoRA adapters on every attention block's `qkv`; merged into the saved weights.
    case lora
    /// Every encoder weight (sensible for TinyViT, which is small).
    case full
}

/// The options of the refiner phase (2) and the end-to-end phase (3).
public struct RefinerPhaseOptions: Sendable, Codable, Equatable {
    /// A prepared dataset (with `splits.json`) and the cross-validation fold to train on.
    public var dataset: URL
    public var fold: Int
    /// The refiner's starting weights: an official `.pth` (LiteMedSAM, SAM, MedSAM) or ours.
    public var sam: URL
    /// Phase 3: TransUNet's starting weights (phase 1's model of the same fold).
    public var transunet: URL?
    /// The work folder; a phase writes `checkpoints/<phase folder>/fold_<k>/`.
    public var workdir: URL
    public var epochs: Int
    /// Images per optimiser step.
    public var batchSize: Int
    public var learningRate: Float
    public var weightDecay: Float
    public var seed: UInt64
    public var encoder: EncoderTraining
    /// Phase 2: where the coarse masks come from, and phase 1's out-of-fold maps for B and A+B.
    public var coarse: CoarseSource
    public var outOfFold: URL?
    /// Side of the square grid simulated coarse maps are made on (TransUNet's input side is
    /// the natural choice: that is the grid real coarse maps come on).
    public var coarseSide: Int
    /// SAM's preprocessing; nil means the family's default for the chain.
    public var preprocessing: SAMPreprocessing?
    /// Train on at most this many of the fold's training cases (a seeded choice), and validate
    /// on at most `maxValCases`, to fit a budget.
    public var maxTrainCases: Int?
    public var maxValCases: Int?
    /// Where frozen-encoder embeddings are cached (default `workdir/cache/sam_embeddings`).
    public var embeddingCache: URL?
    /// Seeded augmentation of each training sample (image, mask and coarse map alike) when the
    /// encoder trains; a frozen encoder's cached embeddings admit none, so it is not applied then.
    public var augmentation: Augmentation?
    /// More prepared datasets trained together with `dataset`, fold by fold (cases named
    /// `DATASET/stem`, as phase 1 names them).
    public var additionalDatasets: [URL]

    /// Phase 2's refiner: nil for SAM's own mask decoder, else I-MedSAM with these settings.
    public var imedsam: IMedSAMTrainingOptions?

    /// Phase 2's objective (phase 3 trains on the joint loss and accepts only `.standard`).
    public var loss: RefinerPhaseLoss {
        get { chosenLoss ?? .standard }
        set { chosenLoss = newValue == .standard ? nil : newValue }
    }
    /// The optimiser of phases 2 and 3.
    public var optimizer: PhaseOptimizer {
        get { chosenOptimizer ?? .adamw }
        set { chosenOptimizer = newValue == .adamw ? nil : newValue }
    }
    /// The learning-rate schedule of phases 2 and 3.
    public var schedule: PhaseSchedule {
        get { chosenSchedule ?? .cosine }
        set { chosenSchedule = newValue == .cosine ? nil : newValue }
    }
    /// Phase 2's prompts (phase 3 prompts from its own coarse maps and accepts only `.coarse`).
    public var prompts: PhasePrompts {
        get { chosenPrompts ?? .coarse }
        set { chosenPrompts = newValue == .coarse ? nil : newValue }
    }
    // Stored as nil when they are the defaults, so they are absent from the options signature
    // then: checkpoints written before these choices existed still resume.
    private var chosenLoss: RefinerPhaseLoss?
    private var chosenOptimizer: PhaseOptimizer?
    private var chosenSchedule: PhaseSchedule?
    private var chosenPrompts: PhasePrompts?

    private enum CodingKeys: String, CodingKey {
        case dataset, fold, sam, transunet, workdir, epochs, batchSize, learningRate, weightDecay, seed, encoder, coarse
        case outOfFold, coarseSide, preprocessing, maxTrainCases, maxValCases, embeddingCache, augmentation
        case additionalDatasets, imedsam
        case chosenLoss = "loss", chosenOptimizer = "optimizer", chosenSchedule = "schedule", chosenPrompts = "prompts"
    }

    /// Phase 2 defaults (AdamW lr 1e-4); phase 3 callers set `learningRate` 1e-5 and `transunet`.
    public init(dataset: URL, fold: Int = 0, sam: URL, transunet: URL? = nil, workdir: URL, epochs: Int,
                batchSize: Int = 4, learningRate: Float = 1e-4, weightDecay: Float = 0.01, seed: UInt64 = 1234,
                encoder: EncoderTraining = .frozen, coarse: CoarseSource = .simulated, outOfFold: URL? = nil,
                coarseSide: Int = 224, preprocessing: SAMPreprocessing? = nil, maxTrainCases: Int? = nil,
                embeddingCache: URL? = nil, augmentation: Augmentation? = Augmentation(), additionalDatasets: [URL] = []) {
        self.dataset = dataset
        self.fold = fold
        self.sam = sam
        self.transunet = transunet
        self.workdir = workdir
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.weightDecay = weightDecay
        self.seed = seed
        self.encoder = encoder
        self.coarse = coarse
        self.outOfFold = outOfFold
        self.coarseSide = coarseSide
        self.preprocessing = preprocessing
        self.maxTrainCases = maxTrainCases
        maxValCases = nil
        self.embeddingCache = embeddingCache
        self.augmentation = augmentation
        self.additionalDatasets = additionalDatasets
    }

    /// Whether the image encoder's output is fixed (then computed once per image and cached):
    /// with I-MedSAM, unless it has adapters; otherwise with `encoder = .frozen`.
    var frozenEncoder: Bool { imedsam.map { !$0.model.adaptsEncoder } ?? (encoder == .frozen) }

    /// The augmentation that applies: none while the encoder is frozen.
    var effectiveAugmentation: Augmentation? { frozenEncoder ? nil : augmentation }

    /// Everything that shapes the training, as sorted JSON: a checkpoint resumes only under the
    /// same signature. Where the job and the cache live does not change results, so a moved
    /// work folder still resumes.
    var signature: String {
        var copy = self
        copy.embeddingCache = nil
        copy.workdir = URL(fileURLWithPath: "/")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(copy)) ?? Data(), as: UTF8.self)
    }

    func validate() throws {
        if epochs < 1 { throw TrainingError("epochs \(epochs)", "must be at least 1") }
        if batchSize < 1 { throw TrainingError("batch size \(batchSize)", "must be at least 1") }
        if !(learningRate > 0 && learningRate.isFinite) {
            throw TrainingError("learning rate \(learningRate)", "must be a positive number")
        }
        if coarseSide < 16 { throw TrainingError("coarse side \(coarseSide)", "must be at least 16") }
        if coarse.needsOutOfFold && outOfFold == nil && prompts == .coarse {
            throw TrainingError("coarse source \(coarse.name)", "needs the out-of-fold maps folder (--oof)")
        }
        for (name, cap) in [("max train cases", maxTrainCases), ("max validation cases", maxValCases)] {
            if let cap, cap < 1 { throw TrainingError("\(name) \(cap)", "must be at least 1") }
        }
        if case .sharpnessAware(let rho) = optimizer, !(rho > 0 && rho.isFinite) {
            throw TrainingError("rho \(rho)", "must be a positive number")
        }
        if case .groundTruthBox(let shift) = prompts, shift < 0 {
            throw TrainingError("box shift \(shift)", "must be 0 or more pixels")
        }
        switch loss {
        case .uncertainty(let components, _) where components.isEmpty:
            throw TrainingError("uncertainty loss", "needs at least one component")
        case .sum(let components) where components.isEmpty:
            throw TrainingError("sum loss", "needs at least one component")
        default: break
        }
        if imedsam != nil, loss != .standard || optimizer != .adamw {
            throw TrainingError("refiner \(IMedSAM.refinerName)", "trains on its own loss with AdamW (no loss or optimizer choice)")
        }
    }
}
