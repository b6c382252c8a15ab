import Durable
import Foundation
@testable import Inference
import Testing

/// The sidecar formats users write by hand: every malformed one is refused with the file named.
struct PromptSidecarTests {
    @Test func boxAndPointsParseInOriginalPixels() throws {
        let box = try PromptSidecars.parseBox(Data(#"{"box": [10, 20.5, 90, 70]}"#.utf8), name: "a.box.json", width: 100, height: 80)
        #expect(box == [10, 20.5, 90, 70])
        let points = try PromptSidecars.parsePoints(
            Data(#"{"points": [{"x": 50, "y": 40, "label": 1}, {"x": 1, "y": 2, "label": 0}]}"#.utf8),
            name: "a.points.json", width: 100, height: 80)
        #expect(points == [.init(x: 50, y: 40, label: .foreground), .init(x: 1, y: 2, label: .background)])
    }

    @Test(arguments: [
        (#"{"box": [10, 20, 5, 70]}"#, "must satisfy"),
        (#"{"box": [10, 20, 90]}"#, "four numbers"),
        (#"{"box": [10, 20, 90, 700]}"#, "must satisfy"),
        (#"{"box": [0, 0, 1, 1], "extra": 1}"#, "unknown key \"extra\""),
        (#"[0, 0, 1, 1]"#, "expected a JSON object"),
        ("{box: 1}", "not valid JSON"),
    ])
    func malformedBoxesAreRefusedNamingTheFile(text: String, reason: String) {
        #expect {
            try PromptSidecars.parseBox(Data(text.utf8), name: "scan.box.json", width: 100, height: 80)
        } throws: { error in
            let message = "\(error)"
            return message.hasPrefix("scan.box.json: ") && message.contains(reason)
        }
    }

    @Test(arguments: [
        (#"{"points": []}"#, "at least one point"),
        (#"{"points": [{"x": 1, "y": 2}]}"#, "point 0 must be"),
        (#"{"points": [{"x": 1, "y": 2, "label": 3}]}"#, "label must be 0 or 1"),
        (#"{"points": [{"x": 100, "y": 2, "label": 1}]}"#, "outside the 100×80 image"),
        (#"{"points": [{"x": -1, "y": 2, "label": 1}]}"#, "outside"),
        (#"{"clicks": []}"#, "unknown key \"clicks\""),
    ])
    func malformedPointsAreRefusedNamingTheFile(text: String, reason: String) {
        #expect {
            try PromptSidecars.parsePoints(Data(text.utf8), name: "scan.points.json", width: 100, height: 80)
        } throws: { error in
            let message = "\(error)"
            return message.hasPrefix("scan.points.json: ") && message.contains(reason)
        }
    }
}
