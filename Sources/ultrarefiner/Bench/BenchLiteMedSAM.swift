import ArgumentParser
import Foundation
import Imaging
import Pixels
import SegmentAnything
import Tensor

/// `ultrarefiner bench litemedsam`: LiteMedSAM's TinyViT encoder at 256² and its prompt
/// encoder + mask decoder, timed on this machine with sgemm re-timed in the same run.
struct BenchLiteMedSAM: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "litemedsam",
        abstract: "LiteMedSAM encoder s/image (GFLOP/s and fraction of raw sgemm), decoder ms/prompt, peak RSS.")

    @Option(help: "Checkpoint; random weights are used when the file does not exist.")
    var checkpoint = "models/base/lite_medsam.pth"

    @Option(help: "Timed encoder runs (the median is reported; one untimed warm-up precedes them).")
    var encoderRuns = 5

    @Option(help: "Timed decoder runs.")
    var decoderRuns = 30

    /// PyTorch's operation counts (fvcore-style multiply-adds × 2) for the 256² encoder and for
    /// one prompt through the prompt encoder and mask decoder; our own counts would not be
    /// comparable with the PyTorch figures below.
    static let encoderGFLOP = 75.0
    static let decoderGFLOP = 3.6

    /// PyTorch 2.15 CPU with 2 threads on this machine: encoder (0.33 of its sgemm), decoder.
    static let pytorchEncoderSeconds = 1.03
    static let pytorchDecoderSeconds = 0.040

    func run() throws {
        let url = URL(fileURLWithPath: checkpoint)
        let real = FileManager.default.fileExists(atPath: url.path)
        let sam = real ? try SAM.load(contentsOf: url, imageSize: nil) : SAM(config: .liteMedSAM, seed: 1)
        guard case .tinyViT = sam.config.encoder else {
            throw ValidationError("\(checkpoint) is not a LiteMedSAM (TinyViT) checkpoint")
        }
        var generator = SeededGenerator(seed: 2)
        // A BUSI-sized grayscale image; its content does not affect the timings.
        let width = 562, height = 471
        let image = Raster(width: width, height: height,
                           pixels: (0..<(width * height)).map { _ in UInt8(truncatingIfNeeded: generator.next()) })
        print("threads \(Parallelism.threadCount), LiteMedSAM, image \(sam.config.imageSize)², "
              + (real ? "weights \(checkpoint)" : "random weights (\(checkpoint) not found)"))
        print("start: \(BenchMachine.loadAverages())")

        let input = SAMInput(image: image, preprocessing: .liteMedSAM, config: sam.config)
        // Two ways images arrive: back to back, as a batch reaches the daemon (the heap stays
        // warm), and one at a time, each dropped on an idle daemon, which has trimmed the heap
        // (`HeapRelease`), so the pass faults its memory in afresh. The sgemm yardstick is timed
        // between the passes in both, so load changes on the shared machine reach both sides of
        // each ratio alike.
        var embedding = Tensor.zeros([1])
        for (label, between) in [("back to back", {}), ("after a heap trim", HeapRelease.trim)] as [(String, () -> Void)] {
            HeapRelease.trim()
            var cpuSeconds: [Double] = []
            let (seconds, gemm) = SgemmProbe(m: 4096, k: 768, n: 3072).paired(encoderRuns, between: between) {
                let before = BenchMachine.processCPUSeconds()
                embedding = noGrad { sam.image_encoder(input.tensor) }
                cpuSeconds.append(BenchMachine.processCPUSeconds() - before)
            }
            let rate = Self.encoderGFLOP / seconds
            print("encoder, \(label):")
            print(String(format: "  raw sgemm (4096×768 · 768×3072)    %8.1f GFLOP/s (median of the products between passes)", gemm))
            // CPU time of all threads per pass: against the wall time it shows how much of a pass
            // the threads actually share.
            print(String(format: "  encoder                            %8.3f s/image wall, %.3f s CPU (PyTorch %.2f s)",
                         seconds, BenchTiming.median(cpuSeconds), Self.pytorchEncoderSeconds))
            print(String(format: "  encoder throughput                 %8.1f GFLOP/s = %.2f × raw sgemm (target ≥ 0.50; PyTorch 0.33)",
                         rate, rate / gemm))
        }
        print(String(format: "  (taking the encoder as %.0f GFLOP, PyTorch's count)", Self.encoderGFLOP))
        if let tinyViT = sam.image_encoder as? TinyViT {
            Self.printEncoderParts(tinyViT, input: input.tensor, runs: encoderRuns)
        }

        let predictor = SAMPredictor(model: sam, input: input, embedding: embedding)
        let prompts = predictor.promptTensors(SAMPrompt(box: [120, 90, 400, 350]))
        let imagePE = noGrad { sam.prompt_encoder.denseEncoding() }
        let cpuBefore = BenchMachine.processCPUSeconds()
        let decoderSeconds = BenchTiming.medianSeconds(repetitions: decoderRuns) {
            _ = noGrad { sam.decode(imageEmbedding: embedding, prompts: prompts, multimask: true, imagePE: imagePE) }
        }
        // CPU time of all threads per prompt: on a shared machine the wall time includes waiting.
        let decoderCPU = (BenchMachine.processCPUSeconds() - cpuBefore) / Double(max(decoderRuns, 1) + 1)
        print(String(format: "decoder (prompt enc + mask decoder)  %8.1f ms/prompt wall, %.1f ms CPU = %.1f GFLOP/s "
                     + "(PyTorch %.0f ms; target ≤ 30)",
                     decoderSeconds * 1e3, decoderCPU * 1e3, Self.decoderGFLOP / decoderSeconds,
                     Self.pytorchDecoderSeconds * 1e3))
        print(String(format: "  (taking one prompt as %.1f GFLOP, PyTorch's count)", Self.decoderGFLOP))
        Self.printDecoderParts(sam, embedding: embedding, imagePE: imagePE, prompts: prompts, runs: decoderRuns)
        print(String(format: "peak RSS                             %8.2f GiB", BenchMachine.peakRSSGiB()))
        print("end: \(BenchMachine.loadAverages())")
    }

    /// Where the encoder's time goes: the patch embedding, each stage and the neck, each timed
    /// alone (median of `runs`) on the input the full pass gives it.
    static func printEncoderParts(_ encoder: TinyViT, input: Tensor, runs: Int) {
        noGrad {
            var parts: [(name: String, seconds: Double)] = []
            var x = input
            func time(_ name: String, _ part: (Tensor) -> Tensor) {
                let source = x
                parts.append((name, BenchTiming.medianSeconds(repetitions: runs, between: HeapRelease.trim) { x = part(source) }))
            }
            time("patch embedding") { encoder.patch_embed($0) }
            for (index, stage) in encoder.layers.layers.enumerated() {
                time("stage \(index), input \(x.shape.dropFirst().map(String.init).joined(separator: "×"))") { stage($0) }
            }
            time("neck") { encoder.neck($0) }
            print("encoder parts (median ms, each timed alone):")
            for (name, seconds) in parts {
                print("  " + name.padding(toLength: 40, withPad: " ", startingAt: 0) + String(format: "%8.1f", seconds * 1e3))
            }
        }
    }

    /// Where a prompt's decoder time goes: each part timed alone (median of `runs`) on the
    /// inputs the full pass gives it, in the order the decoder runs them.
    static func printDecoderParts(_ sam: SAM, embedding: Tensor, imagePE: Tensor, prompts: SAMPromptTensors, runs: Int) {
        noGrad {
            let decoder = sam.mask_decoder
            var sparse = Tensor.zeros([1]), dense = Tensor.zeros([1])
            let promptSeconds = BenchTiming.medianSeconds(repetitions: runs) { (sparse, dense) = sam.prompt_encoder(prompts) }
            let tokens = decoder.tokens(sparse: sparse)
            var source = Tensor.zeros([1])
            let sourceSeconds = BenchTiming.medianSeconds(repetitions: runs) { source = embedding + dense }
            var transformed = (tokens: Tensor.zeros([1]), image: Tensor.zeros([1]))
            let transformerSeconds = BenchTiming.medianSeconds(repetitions: runs) {
                transformed = decoder.transformer(image: source, imagePE: imagePE, tokens: tokens)
            }
            let count = SAMConfig.multimaskOutputs + 1
            let maskTokens = transformed.tokens.slice(axis: 1, 1, 1 + count)
            let headSeconds = BenchTiming.medianSeconds(repetitions: runs) {
                _ = decoder.mask_head(maskTokens: maskTokens, image: transformed.image)
            }
            let iouSeconds = BenchTiming.medianSeconds(repetitions: runs) {
                _ = decoder.iou_prediction_head(transformed.tokens.slice(axis: 1, 0, 1).squeezed(1))
            }
            print("decoder parts (median ms, each timed alone):")
            for (name, seconds) in [("prompt encoder", promptSeconds), ("embedding + dense prompt", sourceSeconds),
                                    ("two-way transformer", transformerSeconds),
                                    ("mask head (upscaling + hypernetworks)", headSeconds), ("IoU head", iouSeconds)] {
                print("  " + name.padding(toLength: 40, withPad: " ", startingAt: 0) + String(format: "%8.2f", seconds * 1e3))
            }
        }
    }
}
