import NN
import SegmentAnything
import Tensor
import TransUNetModel

/// The UltraRefiner: TransUNet's coarse probability becomes SAM prompts through the
/// differentiable prompt generator, and SAM refines the mask. Gradients of the refined loss
/// flow back through the prompts into the TransUNet, so both networks co-adapt (phase 3).
///
/// The state-dict keys are `transunet.*` and `sam.*`, the two models' own keys under a prefix.
public final class UltraRefinerModel: Module {
    public let transunet: TransUNet
    public let sam: SAM
    /// How the coarse probability becomes prompts (ablations, box mode).
    public var prompts: PromptGenerator
    /// Three candidate masks (SAM's multimask output) or the single-mask token.
    public var multimask = true

    public init(transunet: TransUNet, sam: SAM, prompts: PromptGenerator? = nil) {
        self.transunet = transunet
        self.sam = sam
        self.prompts = prompts ?? PromptGenerator()
    }

    /// Everything one forward pass produces.
    public struct Output {
        /// (B, 2, h, w) TransUNet logits.
        public var coarseLogits: Tensor
        /// (B, h, w) coarse foreground probability.
        public var coarseProbability: Tensor
        /// The prompts the generator produced.
        public var prompts: GeneratedPrompts
        /// The prompts SAM received: the generated ones, with any user override applied.
        public var samPrompts: SAMPromptTensors
        /// (B, C, 4E, 4E) SAM's low-resolution mask logits (C = 3 with multimask).
        public var candidateLogits: Tensor
        /// (B, C) predicted IoU of each candidate.
        public var iouPredictions: Tensor
        /// For each item, the candidate SAM would return (``SAMCandidates``).
        public var best: [Int]

        /// (B, 1, 4E, 4E) the chosen candidate's logits.
        public var bestLogits: Tensor {
            SAMCandidates.select(candidateLogits, best)
        }
    }

    /// Runs the chain. `coarseInput` is (B, 1, h, w) in [0, 1] for the TransUNet; the image
    /// side of SAM is either `samInput` (B, 3, S, S), already normalised, which the image
    /// encoder embeds, or a precomputed `imageEmbedding` (B, C, E, E) — the frozen-encoder
    /// path that the embedding cache serves. `frame` is where the image sits in SAM's input
    /// (`SAMInput.frame` of the image the embedding comes from). `override` (batch of one)
    /// replaces generated prompts.
    public func callAsFunction(coarseInput: Tensor, samInput: Tensor? = nil, imageEmbedding: Tensor? = nil,
                               frame: SAMFrame, override: PromptOverride? = nil) -> Output {
        precondition((samInput == nil) != (imageEmbedding == nil), "pass exactly one of samInput or imageEmbedding")
        precondition(override == nil || coarseInput.shape[0] == 1, "prompt overrides are per image: batch of one")
        precondition(frame.maskSide == sam.config.lowResSize,
                     "the frame's mask grid \(frame.maskSide) is not this SAM's low-res grid \(sam.config.lowResSize): make it with SAMInput(…, config:)")
        let logits = transunet(coarseInput)
        let probability = logits.foregroundProbability()
        let generated = prompts(probability, frame: frame)
        let embedding = imageEmbedding ?? sam.image_encoder(samInput!)
        var tensors = generated.samPromptTensors
        if let override { tensors = override.applied(to: tensors) }
        let decoded = sam.decode(imageEmbedding: embedding, prompts: tensors, multimask: multimask)
        let best = SAMCandidates.best(iouPredictions: decoded.iou)
        return Output(coarseLogits: logits, coarseProbability: probability, prompts: generated, samPrompts: tensors,
                      candidateLogits: decoded.lowRes, iouPredictions: decoded.iou, best: best)
    }
}
