import Tensor

/// Low-rank adaptation settings: the update `s·B·A` added to a frozen linear weight.
public struct LoRAConfig: Sendable, Equatable, Codable {
    /// Rank r of the update `B·A`.
    public var rank: Int
    /// Scale numerator: the update is multiplied by `alpha / rank`.
    public var alpha: Float
    /// Dropout on the adapter's input during training.
    public var dropout: Float

    /// Defaults follow the UltraRefiner setup (rank 4, alpha 4, no dropout).
    public init(rank: Int = 4, alpha: Float = 4, dropout: Float = 0) {
        self.rank = rank
        self.alpha = alpha
        self.dropout = dropout
    }

    /// The factor applied to `B·A`.
    public var scaling: Float { alpha / Float(rank) }
}

/// A `Linear` with a LoRA adapter: `y = x Wᵀ + b + s · drop(x) Aᵀ Bᵀ`.
///
/// It wraps an existing layer's `weight` and `bias` (the same `Parameter`s, frozen) and is put
/// in that layer's place with `replaceModule`/`applyLoRA`, so the model's declared types do
/// not change. Its keys are the base's (`weight`, `bias`) plus `lora_A` (r, in) and `lora_B`
/// (out, r); `B` starts at zero, so attaching leaves the outputs unchanged.
///
/// The adapter's dropout is an ordinary `Dropout` sub-module, so `setTraining` reaches it;
/// attach adapters before switching the model to training.
///
/// With `rows`, only those output rows are adapted (LoRA on the query and value slices of a
/// fused `qkv`): `lora_B` is then (rows, r) and its rows are placed into the full output by a
/// fixed 0/1 matrix, so the other rows' weights cannot change.
public final class LoRALinear: Linear {
    public let lora_A: Parameter
    public let lora_B: Parameter
    private let lora_dropout: Dropout?
    /// The adapted output rows, or nil for all of them.
    public let adaptedRows: [Int]?
    /// (out, rows) with a 1 at (adaptedRows[j], j): `placement · lora_B` is B in the full output.
    private let placement: Tensor?
    /// The adapter's settings.
    public let loraConfig: LoRAConfig
    /// True while `s·B·A` is folded into `weight` (inference without the extra matmuls).
    public private(set) var isMerged = false

    /// A fresh adapter (A as `nn.Linear`'s default init, B zero) over `base`'s parameters,
    /// which it freezes. Wrapping a `LoRALinear` replaces its adapter: the new one wraps the
    /// same base parameters, unmerged first.
    public init(wrapping base: Linear, config: LoRAConfig, rows: [Int]? = nil, generator: inout SeededGenerator) {
        precondition(config.rank > 0, "LoRA rank must be positive")
        (base as? LoRALinear)?.unmerge()
        let inFeatures = base.inFeatures, outFeatures = base.outFeatures
        lora_A = Parameter(Initialization.defaultWeight([config.rank, inFeatures], fanIn: inFeatures, generator: &generator))
        lora_B = Parameter(.zeros([rows?.count ?? outFeatures, config.rank]))
        adaptedRows = rows
        placement = rows.map { rows in
            precondition(Set(rows).count == rows.count && rows.allSatisfy { (0..<outFeatures).contains($0) },
                         "LoRA rows must be distinct output rows of the \(outFeatures)-row layer")
            var ones = [Float](repeating: 0, count: outFeatures * rows.count)
            for (j, row) in rows.enumerated() { ones[row * rows.count + j] = 1 }
            return Tensor(ones, shape: [outFeatures, rows.count])
        }
        lora_dropout = config.dropout > 0 ? Dropout(config.dropout, seed: generator.next()) : nil
        loraConfig = config
        super.init(weight: base.weight, bias: base.bias)
        weight.requiresGrad = false
        bias?.requiresGrad = false
    }

    /// B over the full output: `lora_B` itself, or its rows placed at `adaptedRows`.
    private var fullB: Tensor {
        placement.map { $0.matmul(lora_B.value) } ?? lora_B.value
    }

    /// `s·B·A`, the adapter's contribution to the weight.
    private func delta() -> Tensor {
        noGrad { fullB.matmul(lora_A.value) * loraConfig.scaling }
    }

    /// Folds the adapter into the base weight; outputs stay the same (up to rounding).
    public func merge() {
        guard !isMerged else { return }
        weight.value = noGrad { weight.value + delta() }
        isMerged = true
    }

    /// Takes a merged adapter back out of the base weight, for further training.
    public func unmerge() {
        guard isMerged else { return }
        weight.value = noGrad { weight.value - delta() }
        isMerged = false
    }

    /// The base projection plus, unless merged, the scaled adapter path.
    public override func callAsFunction(_ x: Tensor) -> Tensor {
        let base = super.callAsFunction(x)
        guard !isMerged else { return base }
        let input = lora_dropout?(x) ?? x
        return base + input.linear(weight: lora_A.value).linear(weight: fullB) * loraConfig.scaling
    }

    /// Whether a state-dict key belongs to an adapter rather than the base model.
    public static func isAdapterKey(_ key: String) -> Bool {
        key.hasSuffix(".lora_A") || key.hasSuffix(".lora_B")
    }
}

extension Module {
    /// Puts a `LoRALinear` over every `Linear` whose module path matches one of `patterns`
    /// (see `KeyPattern`), drawing adapters in walk order from `generator`; returns the
    /// adapted paths. Nothing is replaced unless every match is a `Linear` and at least one
    /// module matches, so a mistyped pattern is an error rather than silently no adapters.
    /// The wrapped bases are frozen; the rest of the model keeps its trainability.
    @discardableResult
    public func applyLoRA(_ config: LoRAConfig, matching patterns: [String],
                          generator: inout SeededGenerator) throws -> [String] {
        let matcher = KeyPattern.any(of: patterns)
        let targets = namedModules().filter { !$0.key.isEmpty && matcher($0.key) }
        guard !targets.isEmpty else {
            throw ModuleReplacementError(path: patterns.joined(separator: ", "), problem: "no module matches")
        }
        var linears: [(String, Linear)] = []
        for (path, module) in targets {
            guard let linear = module as? Linear else {
                throw ModuleReplacementError(path: path, problem: "LoRA wraps Linear layers, this is a \(type(of: module))")
            }
            linears.append((path, linear))
        }
        for (path, linear) in linears {
            try replaceModule(at: path, with: LoRALinear(wrapping: linear, config: config, generator: &generator))
        }
        return linears.map(\.0)
    }
}
