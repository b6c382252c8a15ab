import NN
import Refiners

/// What phase 2 minimises.
public enum RefinerPhaseLoss: Sendable, Equatable, Codable {
    /// `RefinerLoss.refined`: BCE + Dice on every candidate, the IoU head's MSE and the
    /// quality-aware change penalty, summed.
    case standard
    /// U-MedSAM's multi-loss: the chosen `RefinerLoss.Component`s (each on every candidate, as
    /// `RefinerLoss.component` computes it) combined by `UncertaintyWeightedLoss`, whose
    /// learned σ's train with the refiner. The change penalty is not one of U-MedSAM's terms and
    /// is left out. Components are kept in `RefinerLoss.Component.allCases` order, so the same
    /// set always gives the same options signature.
    case uncertainty(components: [RefinerLoss.Component], form: UncertaintyWeightedLoss.Form)
    /// The chosen components summed with equal weights (`dice` + `bce` is the plain baseline
    /// U-MedSAM's multi-loss is compared with); kept in `allCases` order like `uncertainty`'s.
    case sum(components: [RefinerLoss.Component])

    /// From the words of the CLI and job files: `loss` `standard`, `sum` or `uncertainty` (nil:
    /// standard), `components` among `dice`, `bce`, `mse`, `shape` (nil: `dice` and `bce` for
    /// sum, all four for uncertainty; not with standard) and `form` `paper` or `authors` (nil:
    /// paper; only with uncertainty). Errors name the setting as `keys` spells it.
    public static func parse(_ loss: String?, components: [String]?, form: String?,
                             keys: (loss: String, components: String, form: String)) throws -> RefinerPhaseLoss {
        switch loss ?? "standard" {
        case "standard":
            if components != nil { throw TrainingError(keys.components, "only applies with \(keys.loss) sum or uncertainty") }
            if form != nil { throw TrainingError(keys.form, "only applies with \(keys.loss) uncertainty") }
            return .standard
        case let name where name == "sum" || name == "uncertainty":
            let names = components ?? (name == "sum" ? [RefinerLoss.Component.dice, .bce] : RefinerLoss.Component.allCases).map(\.rawValue)
            if names.isEmpty { throw TrainingError(keys.components, "must name at least one of \(componentNames)") }
            var chosen: [RefinerLoss.Component] = []
            for name in names {
                guard let component = RefinerLoss.Component(rawValue: name) else {
                    throw TrainingError(keys.components, "'\(name)' is not one of \(componentNames)")
                }
                if chosen.contains(component) { throw TrainingError(keys.components, "names \(name) twice") }
                chosen.append(component)
            }
            let ordered = RefinerLoss.Component.allCases.filter { chosen.contains($0) }
            if name == "sum" {
                if form != nil { throw TrainingError(keys.form, "only applies with \(keys.loss) uncertainty") }
                return .sum(components: ordered)
            }
            let weighting: UncertaintyWeightedLoss.Form
            switch form ?? "paper" {
            case "paper": weighting = .paper
            // The raw value is accepted too, as the options signature and metadata spell it.
            case "authors", UncertaintyWeightedLoss.Form.authorsCode.rawValue: weighting = .authorsCode
            case let other: throw TrainingError(keys.form, "'\(other)' is not paper or authors")
            }
            return .uncertainty(components: ordered, form: weighting)
        default:
            throw TrainingError(keys.loss, "'\(loss ?? "")' is not standard, sum or uncertainty")
        }
    }

    private static var componentNames: String { RefinerLoss.Component.allCases.map(\.rawValue).joined(separator: ", ") }
}

/// How the refiner phases step their weights.
public enum PhaseOptimizer: Sendable, Equatable, Codable {
    /// AdamW on the accumulated gradients.
    case adamw
    /// AdamW inside `SharpnessAware` with radius `rho`: every step runs the batch's forward and
    /// backward passes twice.
    case sharpnessAware(rho: Float)

    /// U-MedSAM's radius.
    public static let defaultRho: Float = 0.05

    /// From the words of the CLI and job files: `adamw` or `sam-adamw` (nil: adamw), and `rho`
    /// (> 0; only with sam-adamw, which defaults it to 0.05).
    public static func parse(_ name: String?, rho: Double?, keys: (optimizer: String, rho: String)) throws -> PhaseOptimizer {
        switch name ?? "adamw" {
        case "adamw":
            if rho != nil { throw TrainingError(keys.rho, "only applies with \(keys.optimizer) sam-adamw") }
            return .adamw
        case "sam-adamw":
            let radius = rho ?? Double(defaultRho)
            guard radius > 0, radius.isFinite else { throw TrainingError("\(keys.rho) \(radius)", "must be a positive number") }
            return .sharpnessAware(rho: Float(radius))
        case let other:
            throw TrainingError(keys.optimizer, "'\(other)' is not adamw or sam-adamw")
        }
    }
}

/// The learning-rate schedule of the refiner phases.
public enum PhaseSchedule: String, Sendable, Codable, CaseIterable {
    /// Cosine decay from the base rate to 0 over every iteration of the phase.
    case cosine
    /// `PlateauLearningRate` (×0.9 after more than 5 epochs without improvement) stepped once
    /// per epoch on the epoch's mean training loss, as MedSAM-Lite's training script (which
    /// U-MedSAM builds on) does: the phases compute no validation loss, only masks and metrics.
    case plateau
}

/// What phase 2 prompts the refiner with.
public enum PhasePrompts: Sendable, Equatable, Codable {
    /// The chain's prompts: the differentiable prompt generator on each sample's coarse map
    /// (the UltraRefiner setting).
    case coarse
    /// The bounding box of the ground truth alone, each side moved outwards by a random 0…`shift`
    /// pixels of the model's input frame per training sample (MedSAM-Lite's and U-MedSAM's
    /// setting; their scripts use 5 at 256²). Validation uses the tight box. There is no coarse
    /// mask, so the standard loss has no change penalty, and the validation table's coarse
    /// column is the box itself as a mask: what the prompt alone gives.
    case groundTruthBox(shift: Int)

    /// MedSAM-Lite's box jitter at its 256² input.
    public static let defaultShift = 5

    /// `coarse` or `gt-box` (nil: coarse), and the box shift (≥ 0; only with gt-box, which
    /// defaults it to 5), as the CLI and job files write them.
    public static func parse(_ name: String?, shift: Int?, keys: (prompts: String, shift: String)) throws -> PhasePrompts {
        switch name ?? "coarse" {
        case "coarse":
            if shift != nil { throw TrainingError(keys.shift, "only applies with \(keys.prompts) gt-box") }
            return .coarse
        case "gt-box":
            let shift = shift ?? defaultShift
            guard shift >= 0 else { throw TrainingError("\(keys.shift) \(shift)", "must be 0 or more pixels") }
            return .groundTruthBox(shift: shift)
        case let other:
            throw TrainingError(keys.prompts, "'\(other)' is not coarse or gt-box")
        }
    }
}
