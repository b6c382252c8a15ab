import ArgumentParser
import Foundation
import Tensor
import TransUNetModel

/// `ultrarefiner bench transunet`: forward and forward+backward time per image for TransUNet
/// configurations, with the achieved GFLOP/s as a fraction of raw sgemm measured in the same run.
///
/// FLOPs count the multiply-adds of every convolution, linear layer and attention product
/// (×2); normalisations and elementwise ops are left out, so the ratio slightly understates the
/// work done. Forward+backward is counted as 3× the forward FLOPs (each layer's backward does
/// two products of the forward's size).
struct BenchTransUNet: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transunet",
        abstract: "TransUNet forward / forward+backward time per 224² image and GFLOP/s vs raw sgemm.")

    @Option(help: "Comma-separated configurations (\(TransUNet.presetList)).")
    var models = "R50-ViT-B_16,cpu-small,cpu-tiny"

    @Option(help: "Comma-separated batch sizes.")
    var batches = "1,8"

    @Option(help: "Timed repetitions per measurement (the median is reported).")
    var repetitions = 3

    @Flag(help: "Skip forward+backward.")
    var forwardOnly = false

    /// PyTorch 2.15 on this machine (fixture README): R50-ViT-B_16 forward at 224², 2 threads.
    static let pyTorchForwardSeconds = ["R50-ViT-B_16": 0.464]

    func run() throws {
        let sgemm = SgemmProbe()
        print("threads \(Parallelism.threadCount); sgemm 1024³ is re-timed beside every measurement (the machine is shared)")
        for name in models.split(separator: ",").map(String.init) {
            guard let config = TransUNet.preset(named: name) else {
                throw ValidationError("unknown model '\(name)' (known: \(TransUNet.presetList))")
            }
            let model = try TransUNet(config)
            let flops = Self.forwardFLOPs(config)
            print("\(name): \(config), \(model.parameterCount / 1000) K parameters, \(String(format: "%.2f", flops / 1e9)) GFLOP forward per image")
            for batch in batches.split(separator: ",").compactMap({ Int($0) }) {
                var generator = SeededGenerator(seed: 1)
                let images = Tensor.uniform([batch, 1, config.imageSize, config.imageSize], generator: &generator)
                model.setTraining(false)
                let forward = sgemm.paired(repetitions) { _ = noGrad { model(images) } }
                var line = Self.line(batch, "forward", forward, flops: flops * Double(batch))
                if batch == 1, let reference = Self.pyTorchForwardSeconds[name] {
                    line += String(format: "  (PyTorch %.3f s)", reference)
                }
                print(line)
                guard !forwardOnly else { continue }
                model.setTraining(true)
                let training = sgemm.paired(repetitions) {
                    model.zeroGrad()
                    model(images).softmax(axis: 1).mean().backward()
                }
                model.setTraining(false)
                model.zeroGrad()
                print(Self.line(batch, "fwd+bwd", training, flops: 3 * flops * Double(batch)))
            }
        }
    }

    /// One result line: time per image, GFLOP/s, and the ratio to the sgemm rate timed beside it.
    static func line(_ batch: Int, _ label: String, _ measured: (seconds: Double, sgemmGFLOPs: Double),
                     flops: Double) -> String {
        let rate = flops / measured.seconds / 1e9
        return String(format: "  batch %d  %@ %7.3f s/image  %6.1f GFLOP/s  sgemm %5.1f GFLOP/s  ratio %.2f",
                      batch, label, measured.seconds / Double(batch), rate, measured.sgemmGFLOPs,
                      rate / measured.sgemmGFLOPs)
    }

    /// Multiply-add FLOPs (×2) of one image's forward pass.
    static func forwardFLOPs(_ config: TransUNetConfig) -> Double {
        func conv(_ cin: Int, _ cout: Int, _ k: Int, _ side: Int) -> Double {
            2 * Double(cin * cout * k * k) * Double(side * side)
        }
        func strided(_ side: Int) -> Int { (side - 1) / 2 + 1 }
        var total = 0.0
        var side = config.imageSize
        if let resnet = config.resnet {
            let width = resnet.width
            side /= 2
            total += conv(3, width, 7, side)
            side = (side - 3) / 2 + 1
            var channels = width
            for (stage, units) in resnet.unitsPerStage.enumerated() {
                let mid = width << stage, out = width * 4 << stage
                for unit in 0..<units {
                    let inSide = side
                    if unit == 0 && stage > 0 { side = strided(side) }
                    total += conv(channels, mid, 1, inSide) + conv(mid, mid, 3, side) + conv(mid, out, 1, side)
                    if unit == 0 { total += conv(channels, out, 1, side) }
                    channels = out
                }
            }
        }
        let tokens = Double(config.gridSize * config.gridSize), d = Double(config.hiddenSize)
        total += 2 * Double(config.patchInputChannels * config.patchSize * config.patchSize) * d * tokens
        let perLayer = 8 * tokens * d * d + 4 * tokens * tokens * d + 4 * tokens * d * Double(config.mlpDim)
        total += Double(config.numLayers) * perLayer
        var grid = config.gridSize
        total += conv(config.hiddenSize, TransUNetConfig.headChannels, 3, grid)
        var channels = TransUNetConfig.headChannels
        for block in 0..<4 {
            grid *= 2
            let out = config.decoderChannels[block]
            total += conv(channels + config.skipChannels[block], out, 3, grid) + conv(out, out, 3, grid)
            channels = out
        }
        total += conv(channels, config.nClasses, 3, grid)
        return total
    }
}

/// Raw sgemm throughput through the same BLAS, timed alternately with each measured workload so
/// load changes on a shared machine hit both sides of the ratio alike.
struct SgemmProbe {
    private let product: RawSgemm

    /// A probe timing one m×k by k×n product (1024³ unless given).
    init(m: Int = 1024, k: Int = 1024, n: Int = 1024) {
        var generator = SeededGenerator(seed: 2)
        product = RawSgemm(m: m, k: k, n: n, generator: &generator)
    }

    /// GFLOP/s of one product (after a warm-up one: OpenBLAS's workers wake first).
    func gflops() -> Double { product.gflops(repetitions: 1) }

    /// Median seconds of `body` over `repetitions` timed runs (after one warm-up) and the median
    /// sgemm rate of the products timed around them; `between` runs untimed after each body.
    func paired(_ repetitions: Int, between: () -> Void = {}, _ body: () -> Void) -> (seconds: Double, sgemmGFLOPs: Double) {
        body()
        between()
        var times: [Double] = [], rates: [Double] = [gflops()]
        for _ in 0..<max(repetitions, 1) {
            times.append(BenchTiming.seconds(body))
            between()
            rates.append(gflops())
        }
        return (BenchTiming.median(times), BenchTiming.median(rates))
    }
}
