import ArgumentParser
import SegmentAnything
import Spool

/// The `ultrarefiner` command line: data preparation, inference, training and benchmarks.
@main
struct UltraRefiner: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ultrarefiner",
        abstract: "Breast-ultrasound lesion segmentation: TransUNet coarse masks refined by Segment Anything.",
        version: UltraRefinerVersion.string,
        subcommands: [
            Infer.self,
            Correct.self,
            Evaluate.self,
            Export.self,
            Bench.self,
            PrepareCommand.self,
            PhantomCommand.self,
            Simulate.self,
            SAMCommand.self,
            Train.self,
            Submit.self,
            Status.self,
            Cancel.self,
        ]
    )
}
