import ArgumentParser
import Foundation
import Spool

/// `ultrarefiner submit FILE`: checks a job file (or image) and drops it into the daemon's
/// spool atomically, so a broken job is reported at the terminal instead of in `failed/`.
struct Submit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate a job file (.toml/.json) or image (.png) and copy it atomically into the spool.")

    @Argument(help: "Job file (.toml or .json) or ultrasound image (.png).")
    var file: String

    @Option(help: "Spool folder of the daemon.")
    var spool = "./spool"

    func run() throws {
        let layout = SpoolLayout(root: URL(fileURLWithPath: spool))
        let placed = try SpoolSubmission.submit(URL(fileURLWithPath: file), to: layout)
        print("queued \(placed.path)")
    }
}
