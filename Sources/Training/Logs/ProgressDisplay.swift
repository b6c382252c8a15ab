import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Training progress for a person watching. On a terminal: one line redrawn in place, with a bar
/// over the epoch, the loss and the ETA. Elsewhere (a file, a pipe, journald): a plain line at
/// most every `interval` seconds, and always at the end of an epoch, so logs stay short.
public struct ProgressDisplay {
    /// How lines reach the reader.
    public enum Style: Sendable, Equatable {
        /// Redrawn in place with a carriage return; for terminals.
        case redrawn
        /// Appended lines, throttled to one per `interval` seconds except at epoch ends.
        case plain(interval: Double)
    }

    public let style: Style
    private let now: () -> Double
    private let write: (String) -> Void
    private var lastPlainLine: Double?
    private var lineOpen = false

    /// A display in `style` that sends text to `write`; `now` is a monotonic time in seconds,
    /// injected so the throttling can be tested without waiting.
    public init(style: Style, now: @escaping () -> Double, write: @escaping (String) -> Void) {
        self.style = style
        self.now = now
        self.write = write
    }

    /// Standard output: redrawn if it is a terminal, plain lines every `interval` seconds if not.
    public static func standardOutput(interval: Double = 10) -> ProgressDisplay {
        let start = ContinuousClock.now
        // Written unbuffered, so a redrawn line shows at once and plain lines reach a log as they happen.
        return ProgressDisplay(style: isatty(STDOUT_FILENO) == 1 ? .redrawn : .plain(interval: interval),
                               now: { start.duration(to: .now) / .seconds(1) },
                               write: { FileHandle.standardOutput.write(Data($0.utf8)) })
    }

    /// Shows `progress`, or skips it if a plain line was written too recently.
    public mutating func show(_ progress: TrainingProgress) {
        let epochEnds = progress.iteration >= progress.iterationsPerEpoch
        switch style {
        case .redrawn:
            // A finished epoch keeps its line, so the scrollback holds one line per epoch.
            write("\r\u{1B}[K" + Self.barLine(progress) + (epochEnds ? "\n" : ""))
            lineOpen = !epochEnds
        case .plain(let interval):
            let time = now()
            if epochEnds || lastPlainLine.map({ time - $0 >= interval }) ?? true {
                write(Self.plainLine(progress) + "\n")
                lastPlainLine = time
            }
        }
    }

    /// Ends a redrawn line left open mid-epoch (training stopped or failed), so whatever is
    /// printed next starts on a line of its own.
    public mutating func finish() {
        if lineOpen { write("\n") }
        lineOpen = false
    }

    /// `transunet fold 0 (1/5) epoch 3/150 [###-------] 24/80 loss 0.4123 ETA 1h02m`, kept under
    /// 80 columns for usual sizes because a wrapped line cannot be redrawn.
    public static func barLine(_ p: TrainingProgress, barWidth: Int = 10) -> String {
        let filled = min(barWidth, max(0, p.iteration * barWidth / max(1, p.iterationsPerEpoch)))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: barWidth - filled)
        return "\(head(p)) [\(bar)] \(p.iteration)/\(p.iterationsPerEpoch) \(tail(p))"
    }

    /// `transunet fold 0 (1/5) epoch 3/150 step 24/80 loss 0.4123 ETA 1h02m`.
    public static func plainLine(_ p: TrainingProgress) -> String {
        "\(head(p)) step \(p.iteration)/\(p.iterationsPerEpoch) \(tail(p))"
    }

    private static func head(_ p: TrainingProgress) -> String {
        "\(p.phase) fold \(p.fold) (\(p.foldIndex + 1)/\(p.foldCount)) epoch \(p.epoch)/\(p.epochs)"
    }

    private static func tail(_ p: TrainingProgress) -> String {
        String(format: "loss %.4f ETA ", p.loss) + eta(p.secondsRemaining)
    }

    /// `1h02m`, `4m05s` or `7s`; `--` while the pace is unknown.
    static func eta(_ seconds: Double?) -> String {
        guard let seconds, seconds.isFinite, seconds >= 0 else { return "--" }
        let total = Int(seconds.rounded())
        if total >= 3600 { return "\(total / 3600)h" + String(format: "%02dm", total % 3600 / 60) }
        if total >= 60 { return "\(total / 60)m" + String(format: "%02ds", total % 60) }
        return "\(total)s"
    }
}
