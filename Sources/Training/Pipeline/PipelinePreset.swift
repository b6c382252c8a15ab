/// The sizes and epochs of a whole three-phase run, by name: `tiny` (a smoke test on
/// phantoms), `cpu` (BUSI on a 2-core machine within two hours) and `paper` (the published
/// sizes).
public struct PipelinePreset: Sendable, Equatable, Codable {
    public var name: String
    /// Phase 1: TransUNet preset, input side, folds, epochs, batch size and base learning rate.
    public var transunetPreset: String
    public var imageSize: Int
    public var folds: [Int]
    public var transunetEpochs: Int
    public var transunetBatchSize: Int
    public var transunetLearningRate: Float
    /// Phases 2 and 3 run on this fold (its phase-1 model starts phase 3).
    public var refinerFold: Int
    public var refinerEpochs: Int
    public var endToEndEpochs: Int
    public var refinerBatchSize: Int
    public var encoder: EncoderTraining
    public var coarse: CoarseSource
    /// Caps phases 2–3's training cases (nil: the whole fold).
    public var maxTrainCases: Int?

    public static let tiny = PipelinePreset(
        name: "tiny", transunetPreset: "cpu-tiny", imageSize: 64, folds: [0, 1, 2, 3, 4], transunetEpochs: 2,
        transunetBatchSize: 4, transunetLearningRate: 0.01, refinerFold: 0, refinerEpochs: 1, endToEndEpochs: 1,
        refinerBatchSize: 4, encoder: .frozen, coarse: .mixed(outOfFoldShare: 0.5), maxTrainCases: nil)

    /// The shipped default model's recipe. One fold for phase 1 (option A needs no out-of-fold
    /// maps) with most of the two hours spent there, because the coarse model's detection
    /// bounds what refinement can reach; the refiner's encoder frozen so its embeddings are
    /// computed once per image.
    public static let cpu = PipelinePreset(
        name: "cpu", transunetPreset: "cpu-small", imageSize: 224, folds: [0], transunetEpochs: 40,
        transunetBatchSize: 8, transunetLearningRate: 0.01, refinerFold: 0, refinerEpochs: 5, endToEndEpochs: 2,
        refinerBatchSize: 4, encoder: .frozen, coarse: .simulated, maxTrainCases: nil)

    /// TransUNet's published recipe for phase 1 (R50-ViT-B/16, 224², 150 epochs, batch 24) on
    /// every fold, and option A+B for the refiner.
    public static let paper = PipelinePreset(
        name: "paper", transunetPreset: "R50-ViT-B_16", imageSize: 224, folds: [0, 1, 2, 3, 4], transunetEpochs: 150,
        transunetBatchSize: 24, transunetLearningRate: 0.01, refinerFold: 0, refinerEpochs: 50, endToEndEpochs: 30,
        refinerBatchSize: 8, encoder: .lora, coarse: .mixed(outOfFoldShare: 0.5), maxTrainCases: nil)

    public static let all = [tiny, cpu, paper]
    public static var names: String { all.map(\.name).joined(separator: ", ") }

    public static func named(_ name: String) -> PipelinePreset? { all.first { $0.name == name } }
}
