import ArgumentParser
import Foundation
import Imaging
import Pixels
import SegmentAnything
import Tensor

/// `ultrarefiner bench sam`: SAM encoder and decoder speed and peak memory on this machine,
/// with the encoder's GFLOP/s set against raw sgemm measured in the same run.
struct BenchSAM: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sam",
        abstract: "SAM encoder s/image, decoder ms/prompt, peak RSS, encoder GFLOP/s vs raw sgemm (random weights).")

    @Option(help: "Model size: \(SAM.presetList).")
    var model = "vit_b"

    @Option(help: "Timed encoder runs (the median is reported; one untimed warm-up precedes them).")
    var encoderRuns = 2

    @Option(help: "Timed decoder runs.")
    var decoderRuns = 20

    /// PyTorch 2.15 CPU on this machine with 2 threads (fixture README): ViT-B encoder, decoder.
    static let pytorchEncoderSeconds = 13.30
    static let pytorchDecoderSeconds = 0.080

    func run() throws {
        guard let config = SAM.preset(named: model) else { throw ValidationError("unknown model '\(model)'") }
        guard let vit = config.vit else { throw ValidationError("bench sam times ViT encoders; \(model) is not one") }
        let sam = SAM(config: config, seed: 1)
        var generator = SeededGenerator(seed: 2)
        // A BUSI-sized grayscale image; its content does not affect the timings.
        let width = 562, height = 471
        let image = Raster(width: width, height: height,
                           pixels: (0..<(width * height)).map { _ in UInt8(truncatingIfNeeded: generator.next()) })
        print("threads \(Parallelism.threadCount), \(model), image \(config.imageSize)², random weights, \(BenchMachine.loadAverages())")

        let gemm = BenchMachine.sgemmGFLOPs(generator: &generator)
        print(String(format: "raw sgemm (4096×768 · 768×3072)      %8.1f GFLOP/s", gemm))

        let input = SAMInput(image: image, preprocessing: .samPredictor, config: config)
        var embedding = Tensor.zeros([1])
        let encoderSeconds = BenchTiming.medianSeconds(repetitions: encoderRuns) {
            embedding = noGrad { sam.image_encoder(input.tensor) }
        }
        let flops = Self.encoderFLOPs(vit, imageSize: config.imageSize)
        let rate = flops / encoderSeconds / 1e9
        print(String(format: "encoder                              %8.2f s/image (PyTorch %.2f s for vit_b)  %.3f TFLOP",
                     encoderSeconds, Self.pytorchEncoderSeconds, flops / 1e12))
        print(String(format: "encoder throughput                   %8.1f GFLOP/s = %.2f × raw sgemm (target ≥ 0.70)",
                     rate, rate / gemm))

        let predictor = SAMPredictor(model: sam, input: input, embedding: embedding)
        let prompt = SAMPrompt(box: [120, 90, 400, 350])
        let cpuBefore = BenchMachine.processCPUSeconds()
        let decoderSeconds = BenchTiming.medianSeconds(repetitions: decoderRuns) {
            _ = predictor.predict(prompt, multimask: true)
        }
        // CPU time of all threads per prompt: on a shared machine the wall time includes waiting.
        let decoderCPU = (BenchMachine.processCPUSeconds() - cpuBefore) / Double(max(decoderRuns, 1) + 1)
        print(String(format: "decoder (prompt enc + decoder + upsample) %6.1f ms/prompt wall, %.1f ms CPU (PyTorch %.1f ms; target ≤ 50)",
                     decoderSeconds * 1e3, decoderCPU * 1e3, Self.pytorchDecoderSeconds * 1e3))
        print(String(format: "peak RSS                             %8.2f GiB (target ≤ 3)", BenchMachine.peakRSSGiB()))
        print("at the end: \(BenchMachine.loadAverages())")
    }

    /// Multiply-adds ×2 of a ViT encoder: patch embedding, per-block projections, MLP and
    /// attention products (windowed blocks over their padded windows, rel-pos terms included),
    /// and the neck.
    static func encoderFLOPs(_ vit: ViTEncoderConfig, imageSize: Int) -> Double {
        let grid = ImageEncoderViT.embeddingSize(config: vit, imageSize: imageSize)
        let c = Double(vit.embedDim), tokens = Double(grid * grid)
        let out = Double(SAMConfig.promptEmbedDim), patch = Double(vit.patchSize * vit.patchSize)
        var total = 2 * tokens * 3 * patch * c
        for block in 0..<vit.depth {
            total += 2 * tokens * c * (3 * c + c + 8 * c)
            let side = vit.globalAttnIndexes.contains(block) ? grid : vit.windowSize
            let windows = vit.globalAttnIndexes.contains(block) ? 1.0
                : pow(Double((grid + vit.windowSize - 1) / vit.windowSize), 2)
            let n = Double(side * side)
            // q·kᵀ and attn·v, plus the two rel-pos products (n × side per query row).
            total += windows * (2 * 2 * n * n * c + 2 * 2 * n * Double(side) * c)
        }
        total += 2 * tokens * c * out + 2 * tokens * out * out * 9
        return total
    }
}
