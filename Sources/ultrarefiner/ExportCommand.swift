import ArgumentParser
import Foundation
import Inference
import NN
import Refiners
import SegmentAnything

/// `ultrarefiner export`: a trained joint checkpoint made into a model to ship — the tensors
/// training changed, its configs and the training record, with everything else read again from
/// the base SAM checkpoint that `make models` fetches.
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a joint checkpoint as a shippable model: only what training changed, the rest from the base SAM.")

    @Option(help: "A joint checkpoint of `train e2e` or `train pipeline` (best.safetensors).")
    var ultrarefiner: String

    @Option(help: "The SAM checkpoint the refiner was fine-tuned from.")
    var base = ModelSelection.baseLiteMedSAM.relativePath

    @Option(help: "The run's pipeline.json, kept in the metadata (`pipeline`) as the record of how the model was trained.")
    var pipeline: String?

    @Option(help: "Output file, e.g. models/default/ultrarefiner.safetensors (its base is then looked up in models/base/).")
    var out: String

    func run() throws {
        let source = URL(fileURLWithPath: ultrarefiner), baseURL = URL(fileURLWithPath: base)
        let joint = try ModelCheckpoint<UltraRefinerModel>(contentsOf: source)
        let model = try UltraRefinerModel.load(joint)
        let weights = model.savedWeights
        var metadata = joint.metadata
        metadata[UltraRefinerModel.configMetadataKey] = nil
        metadata["exported_from"] = source.lastPathComponent
        if let pipeline {
            let record = try Data(contentsOf: URL(fileURLWithPath: pipeline))
            guard (try? JSONSerialization.jsonObject(with: record)) is [String: Any] else {
                throw ValidationError("\(pipeline): not a pipeline.json (a JSON object)")
            }
            metadata["pipeline"] = String(decoding: record, as: UTF8.self)
        }
        let checkpoint = try model.checkpointStoringChanges(from: try ModelCheckpoint<SAM>(contentsOf: baseURL).tensors,
                                                             baseFile: baseURL.lastPathComponent, metadata: metadata)
        let outURL = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: outURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        try checkpoint.write(to: outURL)
        // Read back as a user will, so a file that does not load is never left as if shipped.
        let reloaded = try UltraRefinerModel.load(contentsOf: outURL, baseFolder: baseURL.deletingLastPathComponent())
        guard reloaded.savedWeights == weights else {
            throw ValidationError("\(outURL.path): reloading it does not give the weights of \(source.path)")
        }
        let stored = checkpoint.tensors.keys.map { checkpoint.tensors[$0]!.values.count }.reduce(0, +)
        let bytes = (try? FileManager.default.attributesOfItem(atPath: outURL.path)[.size] as? Int) ?? 0
        let fromBase = weights.count - checkpoint.tensors.count
        print("wrote \(outURL.path): \(checkpoint.tensors.count) tensors (\(stored) values, \(bytes) bytes); "
            + "\(fromBase) unchanged refiner tensors come from \(baseURL.lastPathComponent)")
    }
}
