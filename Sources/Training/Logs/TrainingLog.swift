import Formats
import Foundation

/// Where a training phase sends its scalars (loss and learning rate per iteration, validation
/// metrics per epoch): a TensorBoard event file in `runs/<phase>/fold_<k>/` below the job folder,
/// so `tensorboard --logdir <job>/runs` shows every phase and fold of a job side by side.
///
/// Each run of a phase (a resume included) starts a new event file beside the earlier ones;
/// TensorBoard merges the files of a folder.
public struct TrainingLog {
    private let events: TensorBoardEventWriter

    /// The event file this log writes.
    public var file: URL { events.file }

    /// `runs/<phase>/fold_<k>` below `jobFolder`.
    public static func folder(jobFolder: URL, phase: String, fold: Int) -> URL {
        jobFolder.appendingPathComponent("runs").appendingPathComponent(phase).appendingPathComponent("fold_\(fold)")
    }

    /// Starts a new event file for `phase` on `fold`; `wallClock` (seconds since 1970) is for tests.
    public init(jobFolder: URL, phase: String, fold: Int,
                wallClock: @escaping () -> Double = { Date().timeIntervalSince1970 }) throws {
        events = try TensorBoardEventWriter(directory: Self.folder(jobFolder: jobFolder, phase: phase, fold: fold),
                                            wallClock: wallClock)
    }

    /// Records the scalars (e.g. `loss`, `lr`, `val/dice`) at the phase's global `step`.
    public func record(_ scalars: [(tag: String, value: Double)], step: Int) throws {
        try events.add(scalars, step: step)
    }

    /// Makes everything recorded so far durable; a phase calls it at the end of each epoch.
    public func flush() throws {
        try events.flush()
    }
}
