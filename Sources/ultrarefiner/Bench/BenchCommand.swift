import ArgumentParser

/// `ultrarefiner bench ...`: benchmarks that print measured figures (never pass/fail).
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks: print throughput and ratios measured on this machine in one run.",
        subcommands: [
            BenchKernels.self,
            BenchOps.self,
            BenchSimulate.self,
            BenchSAM.self,
            BenchLiteMedSAM.self,
            BenchTransUNet.self,
            BenchTrain.self,
            BenchDaemon.self,
        ]
    )
}
