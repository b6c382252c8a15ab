import Daemon
import Foundation
import Spool
import Testing
import TestSupport

extension DaemonProcessTests {
/// The refiner phase as a job: `finetune-sam` on a prepared dataset trains, reports the
/// validation before and after, and `promote` switches the inference lane's refiner; an
/// `evaluate` job then writes its report.
@Suite struct DaemonRefinerJobTests {
    @Test func finetuneSAMJobPromotesTheRefinerAndEvaluateJobWritesAReport() throws {
        let fixture = try TrainingSpool("daemon-refiner-job")
        let layout = fixture.layout
        let daemon = try DaemonProcess(spool: fixture.spool)
        try drop(Data("stage = \"prepare\"\nraw = \"\(fixture.raw.path)\"\nname = \"PH\"\n".utf8), as: "prep.toml", into: layout.jobs)
        #expect(eventually { files(in: layout.done) == ["prep.toml"] }, "log:\n\(daemon.log)")

        let job = """
            stage = "finetune-sam"
            dataset = "PH"
            sam = "\(TestWeights.files.sam.path)"
            epochs = 1
            batch_size = 2
            image_size = 32
            promote = true
            """
        try drop(Data(job.utf8), as: "ft.toml", into: layout.jobs)
        #expect(eventually(timeout: 240) { files(in: layout.done).contains("ft.toml") }, "log:\n\(daemon.log)")
        let report = try String(contentsOf: layout.jobOutputs.appendingPathComponent("ft/report.json"), encoding: .utf8)
        #expect(report.contains("baseline_refined_dice") && report.contains("best_refined_dice"), "\(report)")
        #expect(daemon.log.contains("promoted refiner weights"), "log:\n\(daemon.log)")

        try drop(try TestWeights.phantomPNG(3), as: "after-finetune.png", into: layout.inbox)
        #expect(eventually { files(in: layout.done).contains("after-finetune.png") }, "log:\n\(daemon.log)")
        let log = try String(contentsOf: layout.logs.appendingPathComponent("after-finetune.json"), encoding: .utf8)
        #expect(log.contains("ft/checkpoints/sam_finetuned/fold_0/best.safetensors"), "\(log)")

        let evaluate = "stage = \"evaluate\"\ndataset = \"PH\"\ntransunet = \"\(TestWeights.files.transunet.path)\"\nsam = \"\(TestWeights.files.sam.path)\"\n"
        try drop(Data(evaluate.utf8), as: "eval.toml", into: layout.jobs)
        #expect(eventually(timeout: 120) { files(in: layout.done).contains("eval.toml") }, "log:\n\(daemon.log)")
        #expect(FileManager.default.fileExists(atPath: layout.jobOutputs.appendingPathComponent("eval/evaluation/summary.md").path))
        #expect(daemon.stop() == 0)
    }
}
}
