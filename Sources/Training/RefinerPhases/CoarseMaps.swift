import Formats
import Foundation
import Imaging
import Pixels
import Tensor

/// Where the refiner phase's coarse masks come from (the method's options A, B and A+B).
public enum CoarseSource: Sendable, Equatable, Codable {
    /// A: the failure simulator corrupts the ground truth on the fly, with its bucket schedule.
    case simulated
    /// B: phase 1's out-of-fold TransUNet probabilities.
    case outOfFold
    /// A+B: each sample draws B with probability `outOfFoldShare`, else A.
    case mixed(outOfFoldShare: Double)

    /// `simulated`, `oof` or `mixed:0.5`, as the CLI and job files write it.
    public init?(_ text: String) {
        switch text {
        case "simulated", "A": self = .simulated
        case "oof", "B": self = .outOfFold
        default:
            let parts = text.split(separator: ":")
            guard parts.count == 2, parts[0] == "mixed" || parts[0] == "A+B", let share = Double(parts[1]),
                  share >= 0, share <= 1 else { return nil }
            self = .mixed(outOfFoldShare: share)
        }
    }

    public var name: String {
        switch self {
        case .simulated: "simulated"
        case .outOfFold: "oof"
        case .mixed(let share): "mixed:\(share)"
        }
    }

    var needsOutOfFold: Bool { self != .simulated }
}

/// The coarse probability each refiner sample starts from, as a pure function of (seed, case,
/// sample index), so a resumed run sees the same maps as an uninterrupted one.
struct CoarseMaps {
    let source: CoarseSource
    let simulator: FailureSimulator
    /// Out-of-fold probabilities on the coarse grid, by case name (row-major, side²).
    let outOfFold: [String: [Float]]
    let side: Int
    let seed: UInt64

    /// Reads `folder/NAME.npy` (S×S float32, any S) for every case, resampled onto the coarse grid.
    static func readOutOfFold(_ names: [String], folder: URL, side: Int) throws -> [String: [Float]] {
        var maps: [String: [Float]] = [:]
        for name in names {
            let file = folder.appendingPathComponent("\(name).npy")
            guard FileManager.default.fileExists(atPath: file.path) else {
                throw TrainingError(file.path, "missing: no out-of-fold probability for case \(name) (run phase 1 with its predictions first)")
            }
            let array = try NPY.read(file)
            guard array.shape.count == 2 else {
                throw TrainingError(file.path, "out-of-fold map has shape \(array.shape); expected H×W")
            }
            let values = array.floats()
            let raster = Raster(width: array.shape[1], height: array.shape[0], pixels: values)
            maps[name] = array.shape == [side, side] ? values
                : raster.resized(width: side, height: side, mode: .bilinear(alignCorners: false)).pixels
        }
        return maps
    }

    /// (1, side, side) coarse probability for sample `index` of `item`. An augmented item
    /// brings its `transform`: its simulated maps come from its warped ground truth, and its
    /// out-of-fold map is warped the same way at the image's size.
    func probability(for item: RefinerCase, index: Int, transform: AugmentationTransform = .identity) throws -> Tensor {
        var values: [Float]
        if useOutOfFold(index: index) {
            guard let map = outOfFold[item.name] else {
                throw TrainingError("case \(item.name)", "no out-of-fold probability loaded")
            }
            values = map
            if transform != .identity {
                let size = item.truth
                let full = Raster(width: side, height: side, pixels: map)
                    .resized(width: size.width, height: size.height, mode: .bilinear(alignCorners: false))
                values = transform.probability(full).resized(width: side, height: side, mode: .bilinear(alignCorners: false)).pixels
            }
        } else {
            values = try simulator.sample(groundTruth: item.truthOnCoarseGrid, index: index).probability.pixels
        }
        return Tensor(values, shape: [1, side, side])
    }

    private func useOutOfFold(index: Int) -> Bool {
        switch source {
        case .simulated: return false
        case .outOfFold: return true
        case .mixed(let share):
            var generator = SeededGenerator(seed: seed).derived(UInt64(truncatingIfNeeded: index))
            return generator.uniform(0, 1) < share
        }
    }
}
