import ArgumentParser
import Datasets
import Formats
import Foundation
import SegmentAnything
import Spool
import TransUNetModel

/// `ultrarefiner bench daemon`: the real `ultrarefinerd` on a temporary spool. N phantom PNGs
/// are dropped at once; it prints throughput, drop-to-done latency percentiles, and how much
/// wall time the spool machinery (claiming, encoding and fsyncing outputs, moving files, waking
/// up) adds on top of the model time the daemon itself logged for each image.
struct BenchDaemon: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daemon",
        abstract: "Daemon throughput (images/min), p50/p95 drop-to-mask latency, spool overhead vs model time.")

    @Option(help: "Images dropped into the inbox at once.")
    var count = 40

    @Option(help: "Image width and height (BUSI frames are about 560×470).")
    var width = 560
    @Option var height = 470

    @Option(help: "A named model in models/ (e.g. default, the shipped one); --transunet and --sam replace its networks.")
    var model: String?

    @Option(help: "TransUNet weights; without it (and without --model), random weights of --transunet-preset are generated.")
    var transunet: String?
    @Option(help: "TransUNet preset for generated weights: \(TransUNet.presetList).")
    var transunetPreset = "cpu-tiny"

    @Option(help: "SAM weights; without it (and without --model), random weights of --sam-preset are generated.")
    var sam: String?
    @Option(help: "SAM preset for generated weights: \(SAM.presetList).")
    var samPreset = "tiny"

    func run() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ultrarefiner-bench-daemon-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let weightArguments = try weights(in: root)
        let layout = SpoolLayout(root: root.appendingPathComponent("spool"))
        try layout.createSkeleton()

        let daemonPath = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("ultrarefinerd")
        let daemon = Process()
        daemon.executableURL = daemonPath
        daemon.arguments = ["--spool", layout.root.path] + weightArguments
        let logFile = root.appendingPathComponent("daemon.log")
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        daemon.standardError = try FileHandle(forWritingTo: logFile)
        try daemon.run()
        defer { if daemon.isRunning { daemon.terminate(); daemon.waitUntilExit() } }
        // Ready once the watcher is up (the daemon logs it after loading the models).
        while daemon.isRunning, !((try? String(contentsOf: logFile, encoding: .utf8))?.contains("watching") ?? false) {
            usleep(20_000)
        }
        guard daemon.isRunning else {
            throw ValidationError("ultrarefinerd exited: \((try? String(contentsOf: logFile, encoding: .utf8)) ?? "")")
        }

        // Encode first so the drops themselves are quick and simultaneous.
        let generator = PhantomGenerator(width: width, height: height, seed: 5)
        let images = try (0..<count).map { try PNG.encode(generator.phantom(index: $0).image) }
        var dropped: [String: UInt64] = [:]
        for (index, png) in images.enumerated() {
            let name = String(format: "bench-%04d.png", index)
            dropped[name] = DispatchTime.now().uptimeNanoseconds
            _ = try SpoolSubmission.placeWithoutReplacing(png, named: name, in: layout.inbox)
        }
        let start = dropped.values.min()!
        var finished: [String: UInt64] = [:]
        while finished.count < count && daemon.isRunning {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: layout.done.path)) ?? [] where finished[name] == nil {
                finished[name] = DispatchTime.now().uptimeNanoseconds
            }
            usleep(5_000)
        }
        guard finished.count == count else { throw ValidationError("the daemon stopped after \(finished.count) of \(count) images") }
        let wall = Double(finished.values.max()! - start) / 1e9
        let latencies = finished.map { Double($0.value - dropped[$0.key]!) / 1e9 }.sorted()
        var modelSeconds = 0.0, encodeSeconds = 0.0
        for name in finished.keys {
            let steps = try loggedSteps(layout.logs.appendingPathComponent((name as NSString).deletingPathExtension + ".json"))
            for (step, seconds) in steps {
                if step == "encode-outputs" { encodeSeconds += seconds } else { modelSeconds += seconds }
            }
        }
        let spoolSeconds = wall - modelSeconds - encodeSeconds
        let failed = try FileManager.default.contentsOfDirectory(atPath: layout.failed.path).count
        print("ultrarefinerd on \(count) phantom images \(width)×\(height), "
            + (model.map { "model \($0), " } ?? "") + "transunet \(transunet ?? (model == nil ? transunetPreset : "the model's")), "
            + "sam \(sam ?? (model == nil ? samPreset : "the model's"))")
        print(String(format: "throughput          %8.1f images/min  (%.2f s wall for %d images, %d failed)", Double(count) / wall * 60, wall, count, failed))
        print(String(format: "latency drop→done   p50 %.3f s   p95 %.3f s   max %.3f s", percentile(latencies, 0.5), percentile(latencies, 0.95), latencies.last!))
        print(String(format: "model time          %8.3f s/image (decode + model steps, as the daemon logged them)", modelSeconds / Double(count)))
        print(String(format: "output encoding     %8.2f %% of model time  (PNG/NPY encoding, %.1f ms/image)",
                     encodeSeconds / modelSeconds * 100, encodeSeconds / Double(count) * 1000))
        print(String(format: "spool overhead      %8.2f %% of model time  (wall − model − encoding = %.1f ms/image: claim, fsync'd writes, moves, wake-ups; target < 2 %%)",
                     spoolSeconds / modelSeconds * 100, spoolSeconds / Double(count) * 1000))
        if let peak = peakResidentMegabytes(pid: daemon.processIdentifier) {
            print(String(format: "daemon peak RSS     %8.0f MB  (VmHWM; a lane holds one directory listing, not one task per file)", peak))
        }
        daemon.terminate()
        daemon.waitUntilExit()
    }

    /// The process's peak resident set (`VmHWM` in /proc/PID/status), in MB.
    private func peakResidentMegabytes(pid: Int32) -> Double? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kilobytes = line.split(separator: " ").dropFirst().first.flatMap({ Double($0) }) else { return nil }
        return kilobytes / 1024
    }

    /// The daemon's weight flags: the named model with any file given replacing its network, or
    /// both files (generated with random weights of the presets when not given).
    private func weights(in folder: URL) throws -> [String] {
        if let model {
            return ["--model", model] + (transunet.map { ["--transunet", $0] } ?? []) + (sam.map { ["--sam", $0] } ?? [])
        }
        let transunetFile: URL
        if let transunet { transunetFile = URL(fileURLWithPath: transunet) } else {
            guard let config = TransUNet.preset(named: transunetPreset) else { throw ValidationError("unknown TransUNet preset \(transunetPreset)") }
            transunetFile = folder.appendingPathComponent("transunet.safetensors")
            try TransUNet(config, seed: 1).save(to: transunetFile)
        }
        let samFile: URL
        if let sam { samFile = URL(fileURLWithPath: sam) } else {
            guard let config = SAM.preset(named: samPreset) else { throw ValidationError("unknown SAM preset \(samPreset)") }
            samFile = folder.appendingPathComponent("sam.safetensors")
            try SAM(config: config, seed: 2).save(to: samFile)
        }
        return ["--transunet", transunetFile.path, "--sam", samFile.path]
    }

    /// The (step, seconds) timings an item's log records.
    private func loggedSteps(_ log: URL) throws -> [(String, Double)] {
        let record = try JSONSerialization.jsonObject(with: Data(contentsOf: log)) as? [String: Any] ?? [:]
        return (record["timings"] as? [[String: Any]] ?? []).map { (($0["step"] as? String) ?? "?", ($0["seconds"] as? Double) ?? 0) }
    }

    private func percentile(_ sorted: [Double], _ p: Double) -> Double {
        sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
    }
}
