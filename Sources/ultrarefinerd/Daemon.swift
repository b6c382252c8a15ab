import ArgumentParser

/// `ultrarefinerd`: the spool-watching daemon.
@main
struct UltraRefinerDaemon: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ultrarefinerd",
        abstract: "Watches a spool folder and turns dropped ultrasound PNGs into refined lesion masks.",
        version: "0.1.0"
    )
}
