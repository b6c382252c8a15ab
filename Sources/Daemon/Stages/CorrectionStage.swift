import Durable
import Formats
import Foundation
import Inference
import Logging
import Pixels
import Refiners
import SegmentAnything
import Spool

/// The inference lane's work on a correction request: `NAME.points.json` dropped after NAME's
/// mask exists runs one round of the GRU corrector on NAME's state (`out/corrections/NAME/`,
/// round 0 being `out/refined/NAME.npy`), replaces `out/masks/NAME.png` and
/// `out/refined/NAME.npy` (each atomically) and records the round in `out/logs/NAME.json`
/// under `corrections`.
///
/// Crash-safe by order: a missing state is first saved at round 0; the round's state is saved
/// with the request's identity (the claimed file's inode and modification time) before any
/// output changes; outputs are then written from that state, and the log entry only if the
/// log lacks it. A retry after a crash anywhere finds the round applied and finishes the same
/// outputs, so a round is never applied twice.
public struct CorrectionStage: Sendable {
    public let layout: SpoolLayout
    /// Writes one output durably; injectable so tests can simulate a full disk.
    public var writeOutput: @Sendable (Data, URL) throws -> Void = { try AtomicFile.write($0, to: $1) }

    public init(layout: SpoolLayout) {
        self.layout = layout
    }

    /// Where NAME's correction state lives.
    public func stateFolder(stem: String) -> URL {
        layout.out.appendingPathComponent("corrections").appendingPathComponent(stem)
    }

    /// Runs the round `item` asks for with `corrector` (the model's, nil when it has none).
    public func process(_ item: SpoolItem, corrector: LoadedCorrector?, logger: Logger) -> ItemOutcome {
        let started = Date()
        guard let corrector else {
            return .failed(stage: "correct", error: "\(item.droppedName): the model has no GRU corrector (corrector.safetensors beside its weights)")
        }
        let name = item.stem
        let refinedFile = layout.refined.appendingPathComponent("\(name).npy")
        let refined: NPYArray
        do {
            refined = try NPY.read(refinedFile)
        } catch {
            return .failed(stage: "correct", error: "\(item.droppedName): cannot read \(name)'s refined probability: \(error)")
        }
        guard refined.shape.count == 2, refined.dtype == .float32 else {
            return .failed(stage: "correct", error: "\(refinedFile.path): expected a 2-D float32 probability, got \(refined.shape) \(refined.dtype)")
        }
        let height = refined.shape[0], width = refined.shape[1]
        let points: [SAMPrompt.Point]
        do {
            points = try PromptSidecars.parsePoints(try Data(contentsOf: item.workURL), name: item.droppedName, width: width, height: height)
        } catch {
            return .failed(stage: "prompts", error: "\(error)")
        }
        var info = stat()
        guard lstat(item.workURL.path, &info) == 0 else { return .postponed(reason: "cannot stat \(item.workURL.path)") }
        let request = "\(info.st_ino)-\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)"
        let folder = stateFolder(stem: name)
        let session: CorrectionSession
        do {
            guard let stored = try CorrectionStore.load(from: folder, corrector: corrector.model, correctorID: corrector.id,
                                                        imageWidth: width, imageHeight: height) else {
                let start = CorrectionStore.start(probability: refined.floats(), imageWidth: width, imageHeight: height,
                                                  corrector: corrector.model)
                try CorrectionStore.save(start, correctorID: corrector.id, to: folder)
                return process(item, corrector: corrector, logger: logger)
            }
            if stored.request == request {
                session = stored.session
            } else {
                var next = stored.session
                CorrectionStore.correct(&next, points: points, corrector: corrector.model)
                try CorrectionStore.save(next, correctorID: corrector.id, request: request, to: folder)
                session = next
            }
        } catch let error as FormatError {
            return .failed(stage: "correct", error: "\(error)")
        } catch {
            return .postponed(reason: "cannot keep \(name)'s correction state: \(error)")
        }
        do {
            let probability = session.imageProbability
            try writeOutput(try PNG.encode(session.imageMask, name: "\(name).png"), layout.masks.appendingPathComponent("\(name).png"))
            try writeOutput(NPY.encode(NPYArray(float32: probability, shape: [height, width])), refinedFile)
            try recordRound(session, request: request, points: points, input: item.droppedName, corrector: corrector.id,
                            seconds: Date().timeIntervalSince(started), in: layout.logs.appendingPathComponent("\(name).json"))
        } catch {
            return .postponed(reason: "cannot write \(name)'s corrected outputs: \(error)")
        }
        logger.info("corrected \(name): round \(session.round), \(points.count) click(s), \(session.clicks.count) in all",
                    metadata: ["seconds": "\(String(format: "%.3f", Date().timeIntervalSince(started)))", "stage": "correct"])
        return .done
    }

    /// Adds the round to the item's log (`corrections`, one entry per round), unless a retry
    /// already did.
    private func recordRound(_ session: CorrectionSession, request: String, points: [SAMPrompt.Point], input: String,
                             corrector: String, seconds: Double, in log: URL) throws {
        var record = (try? JSONSerialization.jsonObject(with: Data(contentsOf: log))) as? [String: Any] ?? [:]
        var rounds = record["corrections"] as? [[String: Any]] ?? []
        guard !rounds.contains(where: { $0["request"] as? String == request }) else { return }
        rounds.append([
            "round": session.round, "input": input, "request": request, "corrector": corrector,
            "clicks": points.map { ["x": $0.x, "y": $0.y, "label": $0.label == .foreground ? 1 : 0] },
            "finished": ISO8601DateFormatter().string(from: Date()), "seconds": seconds,
        ])
        record["corrections"] = rounds
        try writeOutput(try JSONSerialization.data(withJSONObject: record, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]), log)
    }
}
