import Foundation
import Tensor

/// Several losses combined with learned weights that reflect each one's uncertainty
/// (Kendall et al.; U-MedSAM's multi-loss), each component `m` with a learnable
/// `s_m = log σ_m²`, initialised to 0 (σ = 1):
///
/// - `.paper`: `Σ_m L_m / (2σ_m²) + log Π_m σ_m = Σ_m ½·e^(−s_m)·L_m + ½·s_m` (the published form);
/// - `.authorsCode`: `Σ_m ½·L_m / σ_m² + log(1 + σ_m²)` (what U-MedSAM's released code computes).
///
/// The parameter lives here, so an optimiser built from the owning model trains it with the
/// networks.
public final class UncertaintyWeightedLoss: Module {
    /// Which of the two published forms.
    public enum Form: String, Sendable, Codable, CaseIterable {
        case paper
        case authorsCode = "authors-code"
    }

    /// `s_m = log σ_m²`, one per component.
    public let log_variances: Parameter
    public let form: Form

    public init(components: Int, form: Form = .paper) {
        precondition(components > 0, "UncertaintyWeightedLoss: at least one component")
        log_variances = Parameter(.zeros([components]))
        self.form = form
    }

    /// σ_m of each component, for logs.
    public var sigmas: [Float] { log_variances.value.scalars.map { Foundation.exp($0 / 2) } }

    /// The combined loss of `losses` (scalars, in component order).
    public func callAsFunction(_ losses: [Tensor]) -> Tensor {
        precondition(losses.count == log_variances.shape[0],
                     "UncertaintyWeightedLoss: \(losses.count) losses for \(log_variances.shape[0]) components")
        let values = Tensor.concatenate(losses.map { $0.reshaped([1]) }, axis: 0)
        let s = log_variances.value
        let weighted = (s * -1).exp() * values * 0.5
        switch form {
        case .paper: return (weighted + s * 0.5).sum()
        case .authorsCode: return (weighted + (s.exp() + 1).log()).sum()
        }
    }
}
