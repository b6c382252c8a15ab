import ArgumentParser
import Foundation
import Spool

/// `ultrarefiner status`: what the daemon's spool holds — queued, running (with a job's
/// progress), done and failed (with the reason) — read from the folders themselves.
struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List queued, running, done and failed items of a spool.")

    @Option(help: "Spool folder of the daemon.")
    var spool = "./spool"

    @Option(help: "Names shown per list (the newest).")
    var limit = 20

    func run() throws {
        print(try SpoolStatus.read(SpoolLayout(root: URL(fileURLWithPath: spool))).report(limit: limit))
    }
}

/// `ultrarefiner cancel JOBID`: stops a queued or running job cleanly.
struct Cancel: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Cancel a job: a queued one moves to failed/ now, a running one stops at its next step.")

    @Argument(help: "The job's id: its file name without .toml/.json.")
    var jobID: String

    @Option(help: "Spool folder of the daemon.")
    var spool = "./spool"

    func run() throws {
        switch try JobCancellation.cancel(jobID, layout: SpoolLayout(root: URL(fileURLWithPath: spool)), version: UltraRefinerVersion.string) {
        case .cancelledQueued(let url): print("cancelled \(jobID) before it started: \(url.path)")
        case .requested(let url): print("asked the running job \(jobID) to stop (\(url.path)); it moves to failed/ when it does")
        }
    }
}
