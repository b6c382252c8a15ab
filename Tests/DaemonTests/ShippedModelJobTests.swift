import Foundation
import NN
import Refiners
import Spool
import TestSupport
import Testing
import Training

/// The committed job file is the recipe the shipped weights record: same pipeline preset, same
/// seed, so dropping it into a spool retrains that model.
@Test func shippedModelJobFileIsTheRecipeItsWeightsRecord() throws {
    let folder = TestPaths.repositoryRoot.appendingPathComponent("models/default")
    let job = try JobFile.load(folder.appendingPathComponent("train.toml"))
    #expect(job.stage == .pipeline && job.dataset == "BUSI" && job.sam == nil)
    let preset = try #require(PipelinePreset.named(job.preset ?? ""), "preset \(job.preset ?? "nil")")

    let weights = try ModelCheckpoint<UltraRefinerModel>(contentsOf: folder.appendingPathComponent("ultrarefiner.safetensors"))
    let record = try #require(weights.metadata["pipeline"].flatMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] })
    let recorded = try JSONDecoder().decode(PipelinePreset.self, from: JSONSerialization.data(withJSONObject: record["preset"] as Any))
    #expect(recorded == preset, "the weights were trained with \(recorded), the job file names \(preset)")
    let options = try #require(weights.metadata["options"].flatMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] })
    #expect((options["seed"] as? Int) == job.seed)
}
