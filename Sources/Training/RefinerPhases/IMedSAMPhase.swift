import Foundation
import Imaging
import NN
import Pixels
import Refiners
import SegmentAnything
import Tensor

/// Phase 2 with I-MedSAM as the refiner (`refiner = "imedsam"`): which adapters, and how
/// densely each training image is supervised.
public struct IMedSAMTrainingOptions: Sendable, Codable, Equatable {
    /// The adapters and the implicit decoder.
    public var model: IMedSAMConfig
    /// Each training image is supervised at a querySide × querySide grid of pixel centres over
    /// the image (its original size is what validation and inference predict at).
    public var querySide: Int
    /// An I-MedSAM checkpoint over the same base to start from (`IMedSAM.start(from:)`): its
    /// decoder, and the adapters both have; nil starts fresh.
    public var startFrom: URL?

    /// The paper's model supervised on a 64² grid, started fresh.
    public init(model: IMedSAMConfig = IMedSAMConfig(), querySide: Int = 64, startFrom: URL? = nil) {
        self.model = model
        self.querySide = querySide
        self.startFrom = startFrom
    }

    /// The refiner family a job or the command line names (`sam`, the default, is SAM's own
    /// mask decoder: nil), with I-MedSAM's settings: the frequency adapter's spectrum part
    /// (`amplitude`, `phase` or `none`), LoRA on or off, the decoder's box coordinates on or
    /// off, and the training query grid's side.
    public static func parse(refiner: String?, frequencyAdapter: String?, lora: Bool?, boxCoordinates: Bool?, querySide: Int?,
                             keys: (refiner: String, adapter: String, lora: String, boxCoordinates: String, querySide: String))
        throws -> IMedSAMTrainingOptions? {
        switch refiner ?? "sam" {
        case "sam":
            for (key, given) in [(keys.adapter, frequencyAdapter != nil), (keys.lora, lora != nil),
                                 (keys.boxCoordinates, boxCoordinates != nil), (keys.querySide, querySide != nil)] where given {
                throw TrainingError(key, "only applies with \(keys.refiner) \(IMedSAM.refinerName)")
            }
            return nil
        case IMedSAM.refinerName:
            var options = IMedSAMTrainingOptions()
            switch frequencyAdapter ?? FrequencyComponent.amplitude.rawValue {
            case "none": options.model.frequencyAdapter = nil
            case let name:
                guard let component = FrequencyComponent(rawValue: name) else {
                    throw TrainingError(keys.adapter, "'\(name)' is not amplitude, phase or none")
                }
                options.model.frequencyAdapter = component
            }
            if lora == false { options.model.lora = nil }
            if boxCoordinates == false { options.model.decoder.boxFrequencies = nil }
            if let querySide {
                guard querySide >= 4 else { throw TrainingError("\(keys.querySide) \(querySide)", "must be at least 4") }
                options.querySide = querySide
            }
            return options
        case let other:
            throw TrainingError(keys.refiner, "'\(other)' is not sam or \(IMedSAM.refinerName)")
        }
    }
}

extension RefinerTraining {
    /// Where phase 2 with I-MedSAM writes: `checkpoints/imedsam/fold_<k>/`.
    public static let imedsamFolder = "imedsam"

    /// Phase 2 for I-MedSAM: the frozen SAM with frequency adapters and q/v LoRA, and the
    /// implicit decoder, trained on box prompts (from the coarse maps or the ground truth, as
    /// `options.prompts` says) with I-MedSAM's loss at a grid of query points; the coarse
    /// term's weight falls linearly from 1 to 0 over the phase. Validation predicts at each
    /// image's original size directly. The deliverable holds only the trained tensors and the
    /// config (`IMedSAM.save`); the base SAM is `options.sam`, found again by its file name in
    /// the models' base folder.
    static func finetuneIMedSAM(_ options: RefinerPhaseOptions, _ imedsam: IMedSAMTrainingOptions,
                                progress: (TrainingProgress) throws -> Void, report: (String) -> Void) throws -> Report {
        let sam = try SAM.load(contentsOf: options.sam)
        sam.setTraining(false)
        let seeds = TrainingSeeds(seed: options.seed)
        let model = try IMedSAM(sam: sam, config: imedsam.model, seed: seeds.adapters)
        if let start = imedsam.startFrom {
            let keys = try model.start(from: start, baseFile: options.sam.lastPathComponent)
            report("started from \(start.path): \(keys.count) of \(model.trainableParameters().count) trained tensors")
        }
        let data = try PhaseData.load(options, sam: sam, transunet: nil, report: report)
        let prompts = try PhasePromptMaker(options, data: data)
        let samples = max(options.epochs * data.train.count, 1)
        func box(_ prompts: SAMPromptTensors, _ item: RefinerCase) throws -> Tensor {
            guard let box = prompts.boxes else { throw TrainingError(item.name, "no box prompt to give I-MedSAM") }
            return box
        }
        let loop = PhaseLoop(
            settings: settings(options, phase: "imedsam", folder: imedsamFolder),
            model: model, parameters: model.trainableParameters(), trainNames: data.train.map(\.name),
            beginTraining: {
                model.setTraining(false)
                model.decoder.setTraining(true)
            },
            step: { index, sample, scale in
                let start = ContinuousClock.now
                let (item, transform) = try data.trainingSample(index, sample: sample)
                let prompt = try box(try prompts.training(item, sample: sample, transform: transform).prompts, item)
                let (points, targets) = supervision(item, side: imedsam.querySide)
                let outside = start.duration(to: .now) / .seconds(1)
                let prediction = model.predict(embedding: item.embedding ?? model.embed(item.input.tensor), box: prompt,
                                               points: points, seed: UInt64(sample))
                let loss = ImplicitDecoder.loss(prediction, targets: targets, coarseWeight: 1 - Float(sample) / Float(samples)).total
                (loss * scale).backward()
                return (Double(loss.item), outside)
            },
            validate: {
                model.setTraining(false)
                return try compare(data.val) { i, item in
                    let (coarse, prompt) = try prompts.validation(item, index: i)
                    // A frozen encoder's cached embedding, else the adapted encoder's output.
                    let embedding = item.embedding ?? noGrad { model.embed(item.input.tensor) }
                    return (coarse, model.mask(embedding: embedding, box: try box(prompt, item), frame: item.input.frame,
                                               size: item.input.originalSize))
                }
            },
            saveBest: { url, metadata in try model.save(to: url, baseFile: options.sam.lastPathComponent, metadata: metadata) })
        return makeReport(try loop.run(progress: progress, report: report), data: data)
    }

    /// The query points of a training case, a side × side grid of pixel centres over the image,
    /// and the ground truth at each (the original-size mask's pixel under the point).
    static func supervision(_ item: RefinerCase, side: Int) -> (points: QueryPoints, targets: Tensor) {
        let truth = item.truth
        let points = QueryPoints.grid(height: side, width: side, in: item.input.frame)
        let targets = (0..<points.count).map { i -> Float in
            let x = min(Int(points.xy[2 * i] * Float(truth.width)), truth.width - 1)
            let y = min(Int(points.xy[2 * i + 1] * Float(truth.height)), truth.height - 1)
            return truth.pixels[y * truth.width + x] > 0 ? 1 : 0
        }
        return (points, Tensor(targets))
    }
}
