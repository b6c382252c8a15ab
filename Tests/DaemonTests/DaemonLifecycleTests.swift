import Daemon
import Formats
import Foundation
import Imaging
import Inference
import Spool
import TestSupport
import Testing

/// The daemon as systemd and users meet it: the real binary, a real notify socket, a real spool.
extension DaemonProcessTests {
@Suite struct DaemonLifecycleTests {
    @Test func droppedImageComesOutAsTheSameRefinedMaskTheLibraryComputes() throws {
        let root = try TestPaths.temporaryDirectory("daemon")
        let spool = root.appendingPathComponent("spool")
        let receiver = try DatagramReceiver()
        let daemon = try DaemonProcess(spool: spool, environment: ["NOTIFY_SOCKET": receiver.path])
        let startup = receiver.receive(until: { $0.contains("READY=1") }, timeout: 60)
        try #require(startup.contains { $0.contains("READY=1") }, "no READY=1; log:\n\(daemon.log)")

        let layout = SpoolLayout(root: spool)
        let png = try TestWeights.phantomPNG(0)
        try drop(png, as: "scan 1.png", into: layout.inbox)
        #expect(eventually { files(in: layout.done) == ["scan 1.png"] }, "log:\n\(daemon.log)")

        let image = try PNG.decode(png, name: "scan 1.png")  // a phantom is one gray channel
        let mask = try PNG.read(layout.masks.appendingPathComponent("scan 1.png"))
        let refined = try NPY.read(layout.refined.appendingPathComponent("scan 1.npy"))
        let coarse = try NPY.read(layout.predictions.appendingPathComponent("scan 1.npy"))
        #expect(mask.width == image.width && mask.height == image.height)
        #expect(Set(mask.pixels).isSubset(of: [0, 255]))
        #expect(refined.shape == [image.height, image.width] && refined.dtype == .float32)
        #expect(coarse.shape == [224, 224] && coarse.dtype == .float32)

        // The daemon's outputs are the library's chain on the same image, not an approximation.
        let models = try RefinementModels(transunet: TestWeights.files.transunet, sam: TestWeights.files.sam,
                                          samPreprocessing: .square(.sam))
        let expected = try models.refine(image)
        let probabilities = refined.floats()
        let worst = zip(probabilities, expected.refinedProbability).map { abs($0 - $1) }.max() ?? 1
        #expect(worst < 1e-4, "refined probability differs by \(worst)")
        let coarseWorst = zip(coarse.floats(), expected.coarseProbability).map { abs($0 - $1) }.max() ?? 1
        #expect(coarseWorst < 1e-4, "coarse probability differs by \(coarseWorst)")
        for (index, value) in mask.pixels.enumerated() where value != expected.mask.pixels[index] {
            #expect(abs(expected.refinedProbability[index] - 0.5) < 1e-4, "mask differs at pixel \(index)")
        }

        let log = try JSONSerialization.jsonObject(with: Data(contentsOf: layout.logs.appendingPathComponent("scan 1.json"))) as! [String: Any]
        #expect(log["input"] as? String == "scan 1.png")
        let steps = (log["timings"] as? [[String: Any]] ?? []).compactMap { $0["step"] as? String }
        #expect(steps.first == "decode" && steps.contains("sam-encoder"))
        let modelIDs = log["models"] as? [String: String] ?? [:]
        #expect(modelIDs["transunet"]?.contains("transunet.safetensors") == true)
        let prompts = log["prompts"] as? [String: Any] ?? [:]
        #expect(prompts["box_source"] as? String == "generated" || prompts["box_source"] as? String == "none")

        // The same name dropped again is processed again, under a suffixed stem; nothing is overwritten.
        try drop(png, as: "scan 1.png", into: layout.inbox)
        #expect(eventually { files(in: layout.done) == ["scan 1-1.png", "scan 1.png"] }, "log:\n\(daemon.log)")
        #expect(files(in: layout.masks) == ["scan 1-1.png", "scan 1.png"])
        #expect(files(in: layout.logs) == ["scan 1-1.json", "scan 1.json"])

        daemon.signal(SIGTERM)
        let shutdown = receiver.receive(until: { $0.contains("STOPPING=1") }, timeout: 30)
        #expect(shutdown.contains("STOPPING=1"))
        #expect(daemon.waitForExit() == 0)
        #expect(allEntries(in: layout.work) == [layout.claimLock.lastPathComponent] && allEntries(in: layout.inbox).isEmpty,
                "work: \(allEntries(in: layout.work))")
    }

    @Test func missingOrCorruptWeightsExitWithAConfigurationErrorBeforeReady() throws {
        let root = try TestPaths.temporaryDirectory("daemon-config")
        let spool = root.appendingPathComponent("spool")
        for (transunet, expectedText) in [("/nonexistent/transunet.pth", "/nonexistent/transunet.pth"),
                                          (try truncatedCopy(TestWeights.files.transunet, in: root).path, "truncated.safetensors")] {
            let receiver = try DatagramReceiver()
            let daemon = try DaemonProcess(spool: spool, arguments: [
                "--spool", spool.path, "--transunet", transunet, "--sam", TestWeights.files.sam.path,
            ], environment: ["NOTIFY_SOCKET": receiver.path])
            #expect(daemon.waitForExit() == DaemonRuntime.configurationErrorStatus)
            #expect(daemon.log.contains("configuration error") && daemon.log.contains(expectedText), "log:\n\(daemon.log)")
            #expect(receiver.receive(until: { $0.contains("READY=1") }, timeout: 0.2).allSatisfy { !$0.contains("READY=1") })
        }
        // Without weight files the daemon runs a named model (the shipped one by default); a name
        // with nothing behind it is a configuration error naming the models folder.
        let unknownModel = try DaemonProcess(spool: spool, arguments: ["--spool", spool.path, "--model", "no-such-model"])
        #expect(unknownModel.waitForExit() == DaemonRuntime.configurationErrorStatus)
        #expect(unknownModel.log.contains("no model 'no-such-model' in the models folder"), "log:\n\(unknownModel.log)")
    }

    @Test func watchdogPingsFlowAndSIGHUPReloadsWithoutDroppingWork() throws {
        let root = try TestPaths.temporaryDirectory("daemon-watchdog")
        let spool = root.appendingPathComponent("spool")
        let receiver = try DatagramReceiver()
        let daemon = try DaemonProcess(spool: spool, environment: ["NOTIFY_SOCKET": receiver.path, "WATCHDOG_USEC": "400000"])
        _ = receiver.receive(until: { $0.contains("READY=1") }, timeout: 60)
        var pings = 0
        let messages = receiver.receive(until: { message in
            if message == "WATCHDOG=1" { pings += 1 }
            return pings >= 3
        }, timeout: 10)
        #expect(pings >= 3, "messages: \(messages)")

        daemon.signal(SIGHUP)
        let reload = receiver.receive(until: { $0.contains("READY=1") }, timeout: 60)
        #expect(reload.contains { $0.hasPrefix("RELOADING=1\nMONOTONIC_USEC=") }, "messages: \(reload)")
        #expect(reload.last?.contains("STATUS=inference: idle") == true, "messages: \(reload)")
        #expect(daemon.log.contains("reloaded"))

        let layout = SpoolLayout(root: spool)
        try drop(try TestWeights.phantomPNG(1), as: "after-reload.png", into: layout.inbox)
        #expect(eventually { files(in: layout.done) == ["after-reload.png"] }, "log:\n\(daemon.log)")
        #expect(daemon.stop() == 0)
    }

    @Test func aSIGTERMSentDuringStartUpIsNeverLost() throws {
        let root = try TestPaths.temporaryDirectory("daemon-early-term")
        for attempt in 0..<5 {
            let daemon = try DaemonProcess(spool: root.appendingPathComponent("spool"))
            usleep(UInt32(attempt * 60_000))
            daemon.signal(SIGTERM)
            // Before the mask is set the default action ends it; after, it stops cleanly.
            // Either way it must end, never keep running with the signal swallowed.
            #expect(daemon.waitForExit(timeout: 30) != nil, "attempt \(attempt) ignored SIGTERM; log:\n\(daemon.log)")
        }
    }

    private func truncatedCopy(_ url: URL, in folder: URL) throws -> URL {
        let data = try Data(contentsOf: url)
        let target = folder.appendingPathComponent("truncated.safetensors")
        try data.prefix(data.count / 2).write(to: target)
        return target
    }
}
}
