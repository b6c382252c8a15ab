import ArgumentParser
import Daemon
import Foundation
import Logging
import Spool

/// `ultrarefinerd`: the spool-watching daemon.
@main
struct UltraRefinerDaemon: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ultrarefinerd",
        abstract: "Watches a spool folder and turns dropped ultrasound PNGs into refined lesion masks.",
        discussion: """
        Drop PNGs into SPOOL/inbox/ and job files (.toml/.json) into SPOOL/jobs/; outputs appear under \
        SPOOL/out/, inputs move to SPOOL/done/ or SPOOL/failed/ (with NAME.error.json). Exits 78 on a \
        configuration error, 0 after SIGTERM. SIGHUP reloads the config and weights.
        """,
        version: UltraRefinerVersion.string
    )

    @Option(help: "Spool folder (default: the config's [spool] root, else ./spool).")
    var spool: String?

    @Option(help: "TOML config file (see systemd/ultrarefinerd.toml).")
    var config: String?

    @Flag(help: "Log plain lines to the terminal even when stderr is connected to journald.")
    var foreground = false

    @Option(help: "A named model in the models folder (default: the config's [model] name, else the shipped 'default').")
    var model: String?

    @Option(help: "TransUNet weights (.pth or .safetensors); overrides [model] transunet.")
    var transunet: String?

    @Option(help: "SAM weights (official .pth or .safetensors); overrides [model] sam.")
    var sam: String?

    @Option(help: "This daemon's id on a spool shared by several (default: the config's [spool] instance, else the host name).")
    var instance: String?

    @Option(help: "Seconds without a heartbeat after which other daemons adopt this one's items (default: [spool] lease_seconds, else 60).")
    var leaseSeconds: Double?

    @Option(help: "Seconds to wait before retrying an item after a disk-full or similar error.")
    var retryDelay: Double = 30

    func run() throws {
        let useJournal = !foreground && JournalStream.isConnected()
        LoggingSystem.bootstrap { _ in
            useJournal ? JournalLogHandler(sink: JournaldSink()) : JournalLogHandler(sink: StderrSink())
        }
        let options = DaemonOptions(
            configFile: config.map { URL(fileURLWithPath: $0) },
            overrides: DaemonConfig.Overrides(modelName: model, transunet: transunet, sam: sam, spoolRoot: spool,
                                              instance: instance, leaseSeconds: leaseSeconds),
            retryDelay: retryDelay, version: UltraRefinerVersion.string)
        let status = DaemonRuntime(options: options, logger: Logger(label: "ultrarefinerd")).run()
        if status != 0 { throw ExitCode(status) }
    }
}
