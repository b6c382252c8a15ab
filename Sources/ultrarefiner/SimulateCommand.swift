import ArgumentParser
import Durable
import Formats
import Foundation
import Imaging

/// `ultrarefiner simulate`: corrupted masks with a controlled Dice distribution, for
/// training the refiner on realistic coarse-network failures.
struct Simulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate corrupted masks (failure simulator) with manifest.jsonl and an optional gallery.")

    @Option(help: "Raw dataset (BUSI class folders, or images/ + masks/; an image's masks are merged) or a folder of mask PNGs.")
    var masks: String

    @Option(help: "Number of samples.")
    var count: Int

    @Option(help: "Seed; sample i depends only on (seed, i).")
    var seed: UInt64 = 0

    @Option(help: "Output folder (masks/, prob/, manifest.jsonl).")
    var out: String

    @Option(help: "Write a contact sheet of the first samples to this PNG.")
    var gallery: String?

    @Option(help: "Samples shown in the gallery.")
    var galleryCount: Int = 30

    func validate() throws {
        guard count > 0 else { throw ValidationError("--count must be positive") }
        guard galleryCount > 0 else { throw ValidationError("--gallery-count must be positive") }
    }

    func run() throws {
        let folder = try MaskFolder(URL(fileURLWithPath: masks))
        // BUSI's normal/ images have empty masks; the simulator needs a lesion to corrupt.
        let entries = folder.entries.filter { $0.mask.foregroundCount >= FailureSimulator.minimumArea }
        if entries.count < folder.entries.count {
            let note = "skipping \(folder.entries.count - entries.count) masks with fewer than \(FailureSimulator.minimumArea) foreground pixels\n"
            FileHandle.standardError.write(Data(note.utf8))
        }
        guard !entries.isEmpty else {
            throw FormatError(masks, "no mask has at least \(FailureSimulator.minimumArea) foreground pixels")
        }
        let outFolder = URL(fileURLWithPath: out)
        for folder in ["masks", "prob"] {
            try FileManager.default.createDirectory(at: outFolder.appendingPathComponent(folder),
                                                    withIntermediateDirectories: true)
        }
        let simulator = FailureSimulator(seed: seed)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var manifest = Data()
        var histogram = BucketHistogram()
        var tiles: [Gallery.Tile] = []
        let clock = ContinuousClock()
        let start = clock.now
        for index in 0..<count {
            let entry = entries[index % entries.count]
            let sample = try simulator.sample(groundTruth: entry.mask, index: index)
            let name = String(format: "%06d", index)
            try PNG.write(sample.mask.binarized(above: 0), to: outFolder.appendingPathComponent("masks/\(name).png"))
            try NPY.write(NPYArray(float32: sample.probability.pixels,
                                   shape: [sample.probability.height, sample.probability.width]),
                          to: outFolder.appendingPathComponent("prob/\(name).npy"))
            let line = ManifestEntry(
                index: index, gt: entry.files[0].path,
                gtParts: entry.files.count > 1 ? entry.files.map(\.path) : nil,
                mask: "masks/\(name).png", prob: "prob/\(name).npy", dice: sample.dice, bucket: sample.bucket,
                modes: sample.modes, qualityWeight: sample.qualityWeight, temperature: sample.temperature,
                lesion: ManifestEntry.Lesion(sample.profile))
            manifest.append(try encoder.encode(line))
            manifest.append(0x0A)
            histogram.add(sample.bucket)
            if gallery != nil, tiles.count < galleryCount {
                tiles.append(Gallery.Tile(groundTruth: entry.mask, corrupted: sample.mask,
                                          labels: Self.labels(sample, source: entry.files[0])))
            }
        }
        let elapsed = clock.now - start
        try AtomicFile.write(manifest, to: outFolder.appendingPathComponent("manifest.jsonl"))
        if let gallery {
            try PNG.write(Gallery.contactSheet(tiles), to: URL(fileURLWithPath: gallery))
        }
        let seconds = elapsed / .seconds(1)
        print("simulated \(count) samples from \(entries.count) masks in \(String(format: "%.1f", seconds)) s")
        print(histogram.report)
    }

    /// Caption: index, Dice and bucket, then the modes wrapped to the tile width.
    static func labels(_ sample: SimulatedSample, source: URL) -> [String] {
        var lines = ["\(sample.index) D=\(String(format: "%.3f", sample.dice)) \(sample.bucket.rawValue)"]
        var current = ""
        for name in sample.modes.map({ $0.mode.rawValue }) {
            let piece = current.isEmpty ? name : "+" + name
            if current.count + piece.count > 32, !current.isEmpty {
                lines.append(current)
                current = name
            } else {
                current += piece
            }
        }
        lines.append(current.isEmpty ? "ground truth" : current)
        return lines
    }
}
