import Durable
import Formats
import Foundation
import Refiners
import SegmentAnything

/// Prompts a user dropped beside an image for interactive correction, in original-image pixels:
///
/// - `NAME.box.json`: `{"box": [x0, y0, x1, y1]}`
/// - `NAME.points.json`: `{"points": [{"x": 120, "y": 88, "label": 1}, ...]}` (label 1 lesion, 0 background)
///
/// Each one replaces the generated prompt of its kind; the coarse mask prompt is kept.
public struct PromptSidecars: Sendable, Equatable {
    /// x0, y0, x1, y1 in original pixels.
    public var box: [Double]?
    /// Clicks in original pixels.
    public var points: [SAMPrompt.Point]?

    /// No overrides: every prompt is generated.
    public init() {}

    /// Reads the sidecars that exist and checks them against an image of `width`×`height`.
    public static func read(box: URL?, points: URL?, width: Int, height: Int) throws -> PromptSidecars {
        var result = PromptSidecars()
        if let box { result.box = try parseBox(try Data(contentsOf: box), name: box.lastPathComponent, width: width, height: height) }
        if let points {
            result.points = try parsePoints(try Data(contentsOf: points), name: points.lastPathComponent, width: width, height: height)
        }
        return result
    }

    /// `{"box": [x0, y0, x1, y1]}` with 0 ≤ x0 < x1 ≤ width and 0 ≤ y0 < y1 ≤ height.
    public static func parseBox(_ data: Data, name: String, width: Int, height: Int) throws -> [Double] {
        let object = try jsonObject(data, name: name)
        guard let values = object["box"] as? [Any], values.count == 4,
              let box = values.map({ ($0 as? NSNumber)?.doubleValue }) as? [Double], box.allSatisfy(\.isFinite) else {
            throw FormatError(name, "expected {\"box\": [x0, y0, x1, y1]} with four numbers")
        }
        try checkKeys(object, allowed: ["box"], name: name)
        guard box[0] >= 0, box[1] >= 0, box[0] < box[2], box[1] < box[3],
              box[2] <= Double(width), box[3] <= Double(height) else {
            throw FormatError(name, "box \(box) must satisfy 0 ≤ x0 < x1 ≤ \(width) and 0 ≤ y0 < y1 ≤ \(height) (the image is \(width)×\(height))")
        }
        return box
    }

    /// `{"points": [{"x": X, "y": Y, "label": 0|1}, ...]}`, at least one point, inside the image.
    public static func parsePoints(_ data: Data, name: String, width: Int, height: Int) throws -> [SAMPrompt.Point] {
        let object = try jsonObject(data, name: name)
        try checkKeys(object, allowed: ["points"], name: name)
        guard let list = object["points"] as? [Any], !list.isEmpty else {
            throw FormatError(name, "expected {\"points\": [{\"x\": X, \"y\": Y, \"label\": 1}, ...]} with at least one point")
        }
        return try list.enumerated().map { index, entry in
            guard let point = entry as? [String: Any], Set(point.keys) == ["x", "y", "label"],
                  let x = (point["x"] as? NSNumber)?.doubleValue, let y = (point["y"] as? NSNumber)?.doubleValue,
                  let label = (point["label"] as? NSNumber)?.intValue else {
                throw FormatError(name, "point \(index) must be {\"x\": number, \"y\": number, \"label\": 0 or 1}")
            }
            guard label == 0 || label == 1 else { throw FormatError(name, "point \(index): label must be 0 or 1, got \(label)") }
            guard x.isFinite, y.isFinite, x >= 0, y >= 0, x < Double(width), y < Double(height) else {
                throw FormatError(name, "point \(index) (\(x), \(y)) is outside the \(width)×\(height) image")
            }
            return SAMPrompt.Point(x: x, y: y, label: label == 1 ? .foreground : .background)
        }
    }

    /// The sidecars as a prompt in original pixels (empty when there are none); the chain maps
    /// it into SAM's frame with `SAMInput.promptTensors`, like any user prompt.
    var prompt: SAMPrompt { SAMPrompt(points: points ?? [], box: box) }

    private static func jsonObject(_ data: Data, name: String) throws -> [String: Any] {
        let parsed: Any
        do { parsed = try JSONSerialization.jsonObject(with: data) } catch {
            throw FormatError(name, "not valid JSON: \(error.localizedDescription)")
        }
        guard let object = parsed as? [String: Any] else { throw FormatError(name, "expected a JSON object") }
        return object
    }

    private static func checkKeys(_ object: [String: Any], allowed: Set<String>, name: String) throws {
        if let unknown = object.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw FormatError(name, "unknown key \"\(unknown)\" (allowed: \(allowed.sorted().joined(separator: ", ")))")
        }
    }
}
