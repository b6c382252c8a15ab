import Foundation
import NN
import Refiners
import SegmentAnything
import Tensor

/// Phase 2's uncertainty-weighted loss together with the refiner it trains, as one module: the
/// loop's optimiser then trains the σ's with the refiner's weights, and `last.safetensors`
/// holds them (`loss_weights.log_variances` beside `sam.*`, with their AdamW moments), so a
/// resume restores both exactly. The deliverable (`best.safetensors`) is the refiner alone,
/// a plain SAM checkpoint, with the σ's in its metadata only.
final class RefinerPhaseWeighting: Module {
    let sam: SAM
    let loss_weights: UncertaintyWeightedLoss
    let components: [RefinerLoss.Component]

    /// Metadata key of the σ's in `best.safetensors`.
    static let metadataKey = "uncertainty_sigmas"

    /// Nil for the standard loss, which has no weights to learn.
    init?(_ loss: RefinerPhaseLoss, sam: SAM) {
        guard case .uncertainty(let components, let form) = loss else { return nil }
        self.sam = sam
        self.components = components
        loss_weights = UncertaintyWeightedLoss(components: components.count, form: form)
    }

    /// The combined loss of the candidates (every candidate, as `RefinerLoss.component` takes
    /// them) against `targets`.
    func loss(_ candidateLogits: Tensor, iouPredictions: Tensor, targets: Tensor, with terms: RefinerLoss) -> Tensor {
        loss_weights(components.map {
            terms.component($0, candidateLogits: candidateLogits, iouPredictions: iouPredictions, refinedTargets: targets)
        })
    }

    /// σ of each component by name.
    var sigmas: [String: Double] {
        Dictionary(uniqueKeysWithValues: zip(components.map(\.rawValue), loss_weights.sigmas.map(Double.init)))
    }

    /// The σ's as sorted JSON under `metadataKey`.
    var metadata: [String: String] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return [Self.metadataKey: String(decoding: (try? encoder.encode(sigmas)) ?? Data(), as: UTF8.self)]
    }
}
