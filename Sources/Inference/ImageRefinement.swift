import Foundation
import Imaging
import Pixels
import Refiners
import SegmentAnything
import Tensor

/// What refining one image produced, at the sizes the spool's outputs use.
public struct ImageRefinement {
    /// Coarse TransUNet foreground probability, `coarseSide`² row-major.
    public var coarseProbability: [Float]
    public var coarseSide: Int
    /// Refined foreground probability at the original size, row-major.
    public var refinedProbability: [Float]
    /// The refined mask, 0/255, original size.
    public var mask: Raster<UInt8>
    /// The prompts SAM received, in its frame and in original pixels (JSON-ready).
    public var prompts: [String: Any]
    /// Seconds spent in each step, in order.
    public var timings: [(step: String, seconds: Double)]
}

extension RefinementModels {
    /// Runs the chain on a grayscale image: TransUNet coarse probability, prompts (generated,
    /// or `override` in original pixels), SAM refinement (with an I-MedSAM refiner, its
    /// implicit decoder on the box prompt, at the original size), thresholded at 0.5. `heartbeat` is
    /// called between steps so a watchdog sees progress.
    public func refine(_ image: Raster<UInt8>, override: PromptSidecars = PromptSidecars(),
                       heartbeat: () -> Void = {}) throws -> ImageRefinement {
        var timings: [(String, Double)] = []
        func timed<T>(_ step: String, _ body: () throws -> T) rethrows -> T {
            let start = DispatchTime.now().uptimeNanoseconds
            let value = try body()
            timings.append((step, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9))
            heartbeat()
            return value
        }
        return try noGrad {
            let input = timed("sam-preprocess") {
                SAMInput(image: image, preprocessing: samPreprocessing, config: refiner.sam.config)
            }
            let coarseInput = timed("coarse-preprocess") { coarse.input(for: image) }
            let encode = { self.refiner.sam.image_encoder(input.tensor) }
            let embedding = try timed("sam-encoder") {
                try embeddingCache.map { try $0.embedding(for: image, preprocessing: samPreprocessing, compute: encode) } ?? encode()
            }
            let overrides = PromptOverride(input.promptTensors(override.prompt))
            let output = timed("transunet+prompts+sam-decoder") {
                refiner(coarseInput: coarseInput, imageEmbedding: embedding, frame: input.frame,
                        override: overrides.isEmpty ? nil : overrides)
            }
            let refined: [Float]
            if let imedsam, let box = output.samPrompts.boxes {
                refined = timed("imedsam-decoder") {
                    imedsam.probability(embedding: embedding, box: box, frame: input.frame, size: Size2D(image.height, image.width))
                }
            } else {
                refined = timed("postprocess") { input.postprocess(output.bestLogits).sigmoid().scalars }
            }
            let side = coarse.model.config.imageSize
            let mask = Raster(width: image.width, height: image.height, pixels: refined.map { $0 > 0.5 ? UInt8(255) : 0 })
            return ImageRefinement(coarseProbability: output.coarseProbability.scalars, coarseSide: side,
                                   refinedProbability: refined, mask: mask,
                                   prompts: PromptRecord.make(output, input: input, overridden: override),
                                   timings: timings)
        }
    }
}
