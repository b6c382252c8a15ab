import Durable
import Formats
import Foundation
import Imaging
import Inference
import Logging
import Pixels
import Spool

/// The inference lane's work on one claimed image: decode and validate the PNG, read any prompt
/// sidecars, refine, then write the four outputs (`out/masks`, `out/refined`, `out/predictions`,
/// `out/logs`) each atomically. A write failure removes whatever of the item's outputs already
/// landed, so `out/` never holds a partial set, and postpones the item instead of failing it.
public struct ImageStage: Sendable {
    /// The spool the outputs go to.
    public let layout: SpoolLayout
    /// PNGs with more pixels are refused from their header, before decoding.
    public let maxPixels: Int
    /// The daemon version recorded in each log.
    public let version: String
    /// Writes one output durably; injectable so tests can simulate a full disk.
    public var writeOutput: @Sendable (Data, URL) throws -> Void = { try AtomicFile.write($0, to: $1) }

    public init(layout: SpoolLayout, maxPixels: Int, version: String) {
        self.layout = layout
        self.maxPixels = maxPixels
        self.version = version
    }

    /// The output files of an item with stem `stem`.
    public func outputs(stem: String) -> [URL] {
        [layout.masks.appendingPathComponent("\(stem).png"),
         layout.refined.appendingPathComponent("\(stem).npy"),
         layout.predictions.appendingPathComponent("\(stem).npy"),
         layout.logs.appendingPathComponent("\(stem).json")]
    }

    /// Processes `item` with `models`; `heartbeat` is called between steps.
    public func process(_ item: SpoolItem, models: RefinementModels, logger: Logger,
                        heartbeat: () -> Void = {}) -> ItemOutcome {
        let started = Date()
        let clock = DispatchTime.now().uptimeNanoseconds
        let image: Raster<UInt8>
        let sidecars: PromptSidecars
        do {
            image = try PNG.readGray(item.workURL, maxPixels: maxPixels)
        } catch let error as FormatError {
            // Users know the file by the name they dropped, not by its claimed path in work/.
            return .failed(stage: "decode", error: FormatError(item.droppedName, error.problem).description)
        } catch {
            return .failed(stage: "decode", error: "\(item.droppedName): \(error)")
        }
        let decodeSeconds = Double(DispatchTime.now().uptimeNanoseconds - clock) / 1e9
        do {
            sidecars = try PromptSidecars.read(box: item.sidecar("box.json"), points: item.sidecar("points.json"),
                                               width: image.width, height: image.height)
        } catch {
            return .failed(stage: "prompts", error: "\(error)")
        }
        heartbeat()
        let result: ImageRefinement
        do {
            result = try models.refine(image, override: sidecars, heartbeat: heartbeat)
        } catch {
            // Only an embedding cache can throw here, and its faults are the disk's, not the input's.
            return .postponed(reason: "cannot refine: \(error)")
        }
        let encoded: [Data]
        do {
            encoded = try encode(result, item: item, image: image, models: models, started: started,
                                 decodeSeconds: decodeSeconds)
        } catch {
            return .failed(stage: "encode", error: "\(error)")
        }
        let targets = outputs(stem: item.stem)
        for (index, (data, url)) in zip(encoded, targets).enumerated() {
            do {
                try writeOutput(data, url)
            } catch {
                for written in targets[..<index] { unlink(written.path) }
                return .postponed(reason: "cannot write \(url.lastPathComponent): \(error)")
            }
        }
        let foreground = result.mask.pixels.reduce(0) { $0 + ($1 > 0 ? 1 : 0) }
        logger.info("refined \(item.droppedName): \(image.width)×\(image.height), mask covers \(foreground) pixels",
                    metadata: ["seconds": "\(String(format: "%.3f", Date().timeIntervalSince(started)))"])
        return .done
    }

    private func encode(_ result: ImageRefinement, item: SpoolItem, image: Raster<UInt8>, models: RefinementModels,
                        started: Date, decodeSeconds: Double) throws -> [Data] {
        let clock = DispatchTime.now().uptimeNanoseconds
        let mask = try PNG.encode(result.mask, name: "\(item.stem).png")
        let refined = NPY.encode(NPYArray(float32: result.refinedProbability, shape: [image.height, image.width]))
        let coarse = NPY.encode(NPYArray(float32: result.coarseProbability, shape: [result.coarseSide, result.coarseSide]))
        let encodeSeconds = Double(DispatchTime.now().uptimeNanoseconds - clock) / 1e9
        let timings = [["step": "decode", "seconds": decodeSeconds]]
            + result.timings.map { ["step": $0.step, "seconds": $0.seconds] as [String: Any] }
            + [["step": "encode-outputs", "seconds": encodeSeconds]]
        let record: [String: Any] = [
            "input": item.droppedName,
            "stem": item.stem,
            "width": image.width,
            "height": image.height,
            "started": ISO8601DateFormatter().string(from: started),
            "timings": timings,
            "models": ["transunet": models.transunetID, "sam": models.samID],
            "prompts": result.prompts,
            "outputs": outputs(stem: item.stem).map { $0.path.replacingOccurrences(of: layout.root.path + "/", with: "") },
            "daemon_version": version,
        ]
        return [mask, refined, coarse,
                try JSONSerialization.data(withJSONObject: record, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])]
    }
}
