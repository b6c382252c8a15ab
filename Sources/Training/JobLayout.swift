import Foundation

/// Where a training job keeps its files below the job folder.
struct JobLayout {
    /// The job folder.
    let output: URL

    /// `fold{k}/`, relative to the job folder.
    static func foldFolder(_ fold: Int) -> String { "fold\(fold)" }
    /// `fold{k}/model.safetensors`, relative to the job folder (as the report names it).
    static func model(_ fold: Int) -> String { "\(foldFolder(fold))/model.safetensors" }

    func folder(_ fold: Int) -> URL { output.appendingPathComponent(Self.foldFolder(fold)) }
    /// Latest exact training state of the fold.
    func checkpoint(_ fold: Int) -> URL { folder(fold).appendingPathComponent("checkpoint.safetensors") }
    /// Final weights, loadable by `TransUNetPredictor(checkpoint:)`.
    func model(_ fold: Int) -> URL { output.appendingPathComponent(Self.model(fold)) }
    /// Written last: its presence marks the fold complete.
    func result(_ fold: Int) -> URL { folder(fold).appendingPathComponent("result.json") }
    /// Out-of-fold foreground probabilities, one `.npy` per validation case.
    var oofFolder: URL { output.appendingPathComponent("oof") }
    func oof(_ caseName: String) -> URL { oofFolder.appendingPathComponent("\(caseName).npy") }
    var metrics: URL { output.appendingPathComponent("metrics.jsonl") }
    var report: URL { output.appendingPathComponent("report.json") }
    /// The options the job was started with, checked on every resume.
    var signature: URL { output.appendingPathComponent("job.json") }
}
