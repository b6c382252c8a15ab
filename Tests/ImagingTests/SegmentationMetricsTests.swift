import Foundation
@testable import Imaging
import Pixels
import TestSupport
import Testing

/// `SegmentationMetrics` against an independent scipy implementation of medpy's definitions
/// (tools/make_metrics_fixtures.py), on random and edge-case masks.
struct SegmentationMetricsTests {
    struct Case: Decodable {
        struct Expected: Decodable {
            var dice, iou, precision, recall, accuracy, nsd: Double
            var hd95, asd, assd: Double?
        }
        var name: String
        var height, width: Int
        var spacing, tolerance: Double
        var prediction, ground_truth: String
        var expected: Expected

        func mask(_ bits: String) -> Raster<UInt8> {
            Raster(width: width, height: height, pixels: bits.utf8.map { $0 == UInt8(ascii: "1") ? 255 : 0 })
        }
    }

    static let cases: [Case] = {
        let url = TestPaths.fixtures.appendingPathComponent("metrics/cases.json")
        guard let data = try? Data(contentsOf: url), let cases = try? JSONDecoder().decode([Case].self, from: data) else {
            return []
        }
        return cases
    }()

    @Test func fixtureCoversRandomAndEdgeCases() {
        #expect(Self.cases.count == 14)
        #expect(Set(Self.cases.map(\.name)).isSuperset(of: ["both_empty", "prediction_empty", "truth_empty", "touches_image_edge", "single_pixels"]))
    }

    @Test(arguments: cases.map(\.name))
    func metricsMatchTheIndependentImplementation(_ name: String) throws {
        let c = try #require(Self.cases.first { $0.name == name })
        let m = SegmentationMetrics(prediction: c.mask(c.prediction), groundTruth: c.mask(c.ground_truth),
                                    spacing: c.spacing, nsdTolerance: c.tolerance)
        let tolerance = 1e-5  // Float32 distances vs scipy's float64 (exact up to rounding of sqrt)
        #expect(abs(m.dice - c.expected.dice) < 1e-12)
        #expect(abs(m.iou - c.expected.iou) < 1e-12)
        #expect(abs(m.precision - c.expected.precision) < 1e-12)
        #expect(abs(m.recall - c.expected.recall) < 1e-12)
        #expect(abs(m.accuracy - c.expected.accuracy) < 1e-12)
        #expect(abs(m.nsd - c.expected.nsd) < 1e-12)
        for (ours, theirs, label) in [(m.hd95, c.expected.hd95, "hd95"), (m.asd, c.expected.asd, "asd"), (m.assd, c.expected.assd, "assd")] {
            switch (ours, theirs) {
            case (nil, nil): continue
            case (let a?, let b?): #expect(abs(a - b) <= tolerance * max(1, b), "\(label): \(a) vs \(b)")
            default: Issue.record("\(label): \(String(describing: ours)) vs \(String(describing: theirs))")
            }
        }
    }

    @Test func percentileInterpolatesLikeNumpy() {
        #expect(SurfaceDistance.percentile([1, 2, 3, 4], 50) == 2.5)
        #expect(SurfaceDistance.percentile([0, 10], 95) == 9.5)
        #expect(SurfaceDistance.percentile([7], 95) == 7)
    }
}
