import ArgumentParser
import Foundation
import Imaging
import NN
import Pixels
import Tensor
import Training
import TransUNetModel

/// `ultrarefiner bench train`: the cost of preparing a training batch (seeded augmentation of
/// every image and mask, then the batch tensors), and the training step with that preparation
/// done inline versus on the `BackgroundLoader`'s thread, which shows what the overlap saves.
struct BenchTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Seconds per training sample of each phase and the share spent outside the networks; the background loader's effect.")

    @Option(help: "Model preset (\(TransUNet.presetList)).")
    var model = "cpu-tiny"

    @Option(help: "Input side instead of the preset's.")
    var imageSize: Int?

    @Option(help: "Images per batch.")
    var batchSize = 4

    @Option(help: "Training steps per timed run.")
    var steps = 4

    @Option(help: "Timed runs of each kind (medians are reported).")
    var repetitions = 3

    @Option(help: "A prepared dataset: also time phases 2 and 3 on it (one epoch over --refiner-cases training images).")
    var dataset: String?

    @Option(help: "The refiner for phases 2 and 3.")
    var sam = "models/base/lite_medsam.pth"

    @Option(help: "Training images of the phase 2 and 3 runs.")
    var refinerCases = 16

    func run() throws {
        guard var config = TransUNet.preset(named: model) else {
            throw ValidationError("unknown model '\(model)' (known: \(TransUNet.presetList))")
        }
        if let imageSize { config = config.withImageSize(imageSize) }
        let side = config.imageSize
        let data = SyntheticBatches(side: side, batchSize: batchSize, batches: steps)
        print("\(model) at \(side)², batch \(batchSize), threads \(Parallelism.threadCount) + 1 loader thread")

        let plain = BenchTiming.medianSeconds(repetitions: repetitions) { _ = data.batch(0, augmentation: nil) }
        let augmented = BenchTiming.medianSeconds(repetitions: repetitions) { _ = data.batch(0, augmentation: Augmentation()) }
        print(String(format: "  batch preparation: %.4f s/batch augmented, %.4f s/batch plain (copy and one-hot)",
                     augmented, plain))

        let network = try TransUNet(config, seed: 1)
        network.setTraining(true)
        var optimizer = SGD(network.trainableParameters(), learningRate: 0.01, momentum: 0.9, weightDecay: 1e-4)
        func step(_ batch: SyntheticBatches.Batch) {
            network.zeroGrad()
            Losses.transUNet(logits: network(batch.images), oneHotTargets: batch.targets).total.backward()
            optimizer.step()
        }
        let steps = self.steps
        let (inline, loaded) = BenchTiming.interleavedMedians(repetitions: repetitions, reference: {
            for index in 0..<steps { step(data.batch(index, augmentation: Augmentation())) }
        }, candidate: {
            let loader = BackgroundLoader(count: steps, prefetch: 2) { data.batch($0, augmentation: Augmentation()) }
            // The loader is created with exactly `steps` items.
            while let batch = try! loader.next() { step(batch) }
        })
        print(String(format: "  training step: %.3f s/step preparing inline, %.3f s/step with the loader (%.1f%% saved)",
                     inline / Double(steps), loaded / Double(steps), 100 * (1 - loaded / inline)))
        print(String(format: "phase 1 (TransUNet): %.3f s per training sample, %.1f %% of it preparing the batch",
                     loaded / Double(steps * batchSize), 100 * augmented / (loaded / Double(steps))))
        if let dataset { try benchRefinerPhases(dataset: URL(fileURLWithPath: dataset), network: network) }
    }

    /// One epoch of phases 2 and 3 (the refiner's encoder frozen, option A) on a few images,
    /// timed by the phases themselves.
    private func benchRefinerPhases(dataset: URL, network: TransUNet) throws {
        let workdir = FileManager.default.temporaryDirectory.appendingPathComponent("bench-train-\(getpid())")
        defer { try? FileManager.default.removeItem(at: workdir) }
        let transunet = workdir.appendingPathComponent("transunet.safetensors")
        try FileManager.default.createDirectory(at: workdir, withIntermediateDirectories: true)
        try network.save(to: transunet)
        var options = RefinerPhaseOptions(dataset: dataset, sam: URL(fileURLWithPath: sam), workdir: workdir, epochs: 1,
                                          coarseSide: network.config.imageSize, maxTrainCases: refinerCases)
        options.maxValCases = 2
        let quiet: (String) -> Void = { _ in }
        let phase2 = try RefinerTraining.finetuneRefiner(options, progress: { _ in }, report: quiet)
        options.transunet = transunet
        options.sam = phase2.bestFile
        options.learningRate = 1e-5
        let phase3 = try RefinerTraining.endToEnd(options, progress: { _ in }, report: quiet)
        for (name, report) in [("phase 2 (refiner)", phase2), ("phase 3 (end to end)", phase3)] {
            print(String(format: "%@: %.3f s per training sample, %.1f %% of it outside the networks (coarse maps, prompts, augmentation)",
                         name, report.secondsPerSample ?? 0, 100 * (report.outsideModelShare ?? 0)))
        }
    }
}

/// Random speckle images with one disc-shaped lesion each, made into augmented batches the way
/// phase-1 training makes them.
private struct SyntheticBatches: Sendable {
    /// What a training step consumes.
    struct Batch: Sendable {
        let images: Tensor
        let targets: Tensor
    }

    let side: Int
    let batchSize: Int
    let images: [Raster<Float>]
    let masks: [Raster<UInt8>]

    init(side: Int, batchSize: Int, batches: Int) {
        self.side = side
        self.batchSize = batchSize
        var generator = SeededGenerator(seed: 3)
        var images: [Raster<Float>] = [], masks: [Raster<UInt8>] = []
        for _ in 0..<batchSize * max(batches, 1) {
            let cx = generator.uniform(0.3, 0.7) * Double(side), cy = generator.uniform(0.3, 0.7) * Double(side)
            let radius = generator.uniform(0.1, 0.2) * Double(side)
            var pixels: [Float] = [], labels: [UInt8] = []
            for i in 0..<side * side {
                let dx = Double(i % side) - cx, dy = Double(i / side) - cy
                let inside = dx * dx + dy * dy <= radius * radius
                labels.append(inside ? 1 : 0)
                pixels.append(Float(generator.uniform() * (inside ? 0.3 : 0.8)))
            }
            images.append(Raster(width: side, height: side, pixels: pixels))
            masks.append(Raster(width: side, height: side, pixels: labels))
        }
        self.images = images
        self.masks = masks
    }

    /// Batch `index`, each sample under its seeded transform when `augmentation` is given.
    func batch(_ index: Int, augmentation: Augmentation?) -> Batch {
        var pixels: [Float] = [], labels: [Int] = []
        for sample in index * batchSize ..< (index + 1) * batchSize {
            var image = images[sample], mask = masks[sample]
            if let augmentation {
                let transform = augmentation.transform(seed: 7, epoch: 0, index: sample)
                image = transform.image(image)
                mask = transform.mask(mask)
            }
            pixels += image.pixels
            labels += mask.pixels.map(Int.init)
        }
        return Batch(images: Tensor(pixels, shape: [batchSize, 1, side, side]),
                     targets: Losses.oneHot(labels, batch: batchSize, classes: 2, height: side, width: side))
    }
}
