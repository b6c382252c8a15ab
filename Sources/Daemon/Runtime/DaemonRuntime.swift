import Formats
import Foundation
import Inference
import Logging
import Spool

/// How `ultrarefinerd` was started.
public struct DaemonOptions: Sendable {
    /// The TOML config (`--config`); nil runs on defaults and flags.
    public var configFile: URL?
    /// Flags that override the config.
    public var overrides: DaemonConfig.Overrides
    /// Seconds an item waits after an environmental failure (disk full) before it is retried.
    public var retryDelay: Double
    /// The daemon version recorded in error files and logs.
    public var version: String

    public init(configFile: URL?, overrides: DaemonConfig.Overrides, retryDelay: Double = 30, version: String) {
        self.configFile = configFile
        self.overrides = overrides
        self.retryDelay = retryDelay
        self.version = version
    }
}

/// The daemon: loads config, takes its claim area's lease and loads models (a failure is a
/// configuration error, reported before `READY=1`), recovers its area and adopts those of
/// expired instances, runs the two lanes, and on its own thread watches the spool,
/// answers signals (SIGTERM/SIGINT stop, SIGHUP reloads) and keeps systemd informed
/// (`READY`, `STATUS`, `WATCHDOG`, `RELOADING`, `STOPPING`).
public final class DaemonRuntime: @unchecked Sendable {
    /// Exit status for a bad configuration (sysexits' EX_CONFIG); the unit file does not
    /// restart on it, since restarting cannot fix a missing weight file.
    public static let configurationErrorStatus: Int32 = 78

    private let options: DaemonOptions
    private let logger: Logger
    private let notifier: SystemdNotifier
    /// Read and replaced by the main loop (SIGHUP) and the training lane (promotion).
    private var config = DaemonConfig()
    private let configLock = NSLock()
    private var layout: SpoolLayout!
    private var slot: ModelSlot!
    private var lanes: [LaneWorker] = []
    private let progressLock = NSLock()
    private var progress: [Lane: String] = [:]

    public init(options: DaemonOptions, logger: Logger, notifier: SystemdNotifier = SystemdNotifier()) {
        self.options = options
        self.logger = logger
        self.notifier = notifier
    }

    /// Runs until SIGTERM/SIGINT; returns the process exit status.
    public func run() -> Int32 {
        let signals = SignalFlags()
        let watcher: SpoolWatcher
        let lease: SpoolLease
        do {
            config = try loadConfig()
            layout = SpoolLayout(root: URL(fileURLWithPath: config.spoolRoot))
            try layout.createSkeleton()
            lease = try SpoolLease(layout: layout, instance: config.instance, seconds: config.leaseSeconds)
        } catch {
            logger.critical("configuration error: \(error)")
            return Self.configurationErrorStatus
        }
        // Before the models load, so a second daemon with this id is refused at once.
        var acquired = false
        do {
            try lease.acquire()
            acquired = true
        } catch let error as SpoolLease.Conflict {
            logger.critical("configuration error: \(error)")
            return Self.configurationErrorStatus
        } catch {
            // The environment's fault (a full disk), not the configuration's: the keeper tries
            // again at every heartbeat, and meanwhile claims go into the area as usual.
            logger.error("cannot write the lease yet, retrying: \(error)")
        }
        let queue = SpoolQueue(layout: layout, version: options.version, instance: lease.instance)
        let keeper = LeaseKeeper(lease: lease, acquired: acquired, queue: queue, logger: logger)
        do {
            logger.info("loading models: \(config.modelDescription)")
            slot = ModelSlot(try RefinementModels(config: config), maxPixels: config.maxPixels)
            watcher = try SpoolWatcher(layout: layout)
        } catch {
            keeper.stop()
            logger.critical("configuration error: \(error)")
            return Self.configurationErrorStatus
        }
        for stale in queue.removeStaleTemporaries(leaseSeconds: lease.seconds) {
            logger.notice("removed \(stale.path), a temporary file left by an interrupted write")
        }
        lanes = [makeInferenceLane(queue), makeTrainingLane(queue)]
        let workers = lanes
        keeper.startAdopting { workers.forEach { $0.finishLeftoversSoon() } }
        lanes.forEach { $0.start() }
        logger.notice("ultrarefinerd \(options.version) instance \(lease.instance) watching \(layout.root.path)")
        notify { try notifier.ready(status: statusLine()) }

        var lastStatus = ""
        var lastWatchdog = DispatchTime.now().uptimeNanoseconds
        let watchdogInterval = notifier.watchdogInterval.map { $0 / .seconds(1) }
        let watchdogTimeout = watchdogInterval.map { $0 * 2 } ?? 60
        while !signals.stopRequested {
            do {
                for event in try watcher.next(timeout: 0.5) {
                    switch event {
                    case .arrived(let lane, _): lanes.first { $0.lane == lane }?.wake()
                    case .overflow:
                        logger.warning("inotify queue overflowed; rescanning the drop folders")
                        lanes.forEach { $0.wake() }
                    }
                }
            } catch {
                logger.error("watching the spool failed: \(error); rescanning")
                lanes.forEach { $0.wake() }
                Thread.sleep(forTimeInterval: 0.5)
            }
            if signals.takeReloadRequest() { reload() }
            if let watchdogInterval, Double(DispatchTime.now().uptimeNanoseconds - lastWatchdog) / 1e9 >= watchdogInterval {
                // Only a loop whose lanes are making progress vouches for the daemon; a hung
                // lane stops the pings and systemd restarts the service.
                if lanes.allSatisfy({ $0.isHealthy(timeout: watchdogTimeout) }) {
                    notify { try notifier.watchdog() }
                    lastWatchdog = DispatchTime.now().uptimeNanoseconds
                } else {
                    logger.critical("a lane has made no progress for \(Int(watchdogTimeout)) s; withholding the watchdog ping")
                }
            }
            let status = statusLine()
            if status != lastStatus {
                notify { try notifier.status(status) }
                lastStatus = status
            }
        }
        logger.notice("stopping: finishing the current image; a running job checkpoints and resumes at the next start")
        notify { try notifier.stopping() }
        lanes.forEach { $0.requestStop() }
        lanes.forEach { $0.join() }
        keeper.stop()
        logger.notice("stopped")
        return 0
    }

    // MARK: - Configuration

    /// The config file merged with the flags, with promoted weights (from earlier
    /// `promote = true` jobs) in place of the configured ones unless a flag names them.
    private func loadConfig() throws -> DaemonConfig {
        var loaded = try DaemonConfig.load(options.configFile, overrides: options.overrides, validatingWeights: false)
        let spool = URL(fileURLWithPath: loaded.spoolRoot)
        if let promoted = PromotionRecord.read(spoolRoot: spool) {
            let record = PromotionRecord.file(spoolRoot: spool).path
            if options.overrides.transunet == nil, let transunet = promoted.transunet {
                logger.notice("using promoted TransUNet weights \(transunet.path) (recorded in \(record))")
                loaded.transunet = transunet.path
            }
            if options.overrides.sam == nil, let sam = promoted.sam {
                logger.notice("using promoted refiner weights \(sam.path) (recorded in \(record))")
                loaded.sam = sam.path
            }
        }
        try loaded.validateWeights()
        return loaded
    }

    /// SIGHUP: re-read the config and weights; on any error keep running on the old ones.
    private func reload() {
        notify { try notifier.reloading() }
        logger.notice("reloading configuration and weights")
        do {
            let fresh = try loadConfig()
            let current = configLock.withLock { config }
            if fresh.spoolRoot != current.spoolRoot || fresh.inferenceThreads != current.inferenceThreads
                || fresh.trainingThreads != current.trainingThreads || fresh.instance != current.instance
                || fresh.leaseSeconds != current.leaseSeconds {
                logger.warning("spool root, instance, lease and lane threads take effect only at restart")
            }
            slot.replace(with: try RefinementModels(config: fresh), maxPixels: fresh.maxPixels)
            configLock.withLock {
                config.modelName = fresh.modelName
                config.modelsRoot = fresh.modelsRoot
                config.transunet = fresh.transunet
                config.sam = fresh.sam
                config.maxPixels = fresh.maxPixels
            }
            logger.notice("reloaded: \(fresh.modelDescription)")
        } catch {
            logger.error("reload failed, keeping the previous configuration: \(error)")
        }
        notify { try notifier.ready(status: statusLine()) }
    }

    /// Switches the inference lane to newly trained weights (TransUNet, refiner, or both at
    /// once) and records the choice so a restart keeps it.
    private func promote(_ weights: PromotedWeights, job: String) {
        let names = [weights.transunet.map { "TransUNet weights \($0.path)" }, weights.sam.map { "refiner weights \($0.path)" }]
            .compactMap { $0 }.joined(separator: " and ")
        do {
            var promoted = configLock.withLock { config }
            if let transunet = weights.transunet { promoted.transunet = transunet.path }
            if let sam = weights.sam { promoted.sam = sam.path }
            slot.replace(with: try RefinementModels(config: promoted), maxPixels: promoted.maxPixels)
            try PromotionRecord.write(weights, job: job, spoolRoot: layout.root)
            configLock.withLock {
                config.transunet = promoted.transunet
                config.sam = promoted.sam
            }
            logger.notice("promoted \(names)", metadata: ["job": "\(job)"])
        } catch {
            logger.error("cannot promote \(names), keeping the current weights: \(error)", metadata: ["job": "\(job)"])
        }
    }

    // MARK: - Lanes

    private func makeInferenceLane(_ queue: SpoolQueue) -> LaneWorker {
        let stageLayout = layout!
        let slot = slot!
        let logger = logger
        let version = options.version
        return LaneWorker(lane: .inference, queue: queue, threads: config.inferenceThreads,
                          retryDelay: options.retryDelay, logger: logger, discardPartialOutputs: { item in
            // A correction replaces whole outputs atomically: what is there is always complete.
            guard !item.isCorrection else { return }
            for output in ImageStage(layout: stageLayout, maxPixels: 0, version: version).outputs(stem: item.stem) {
                unlink(output.path)
            }
        }) { item, lane in
            let (models, maxPixels) = slot.current
            var itemLogger = logger
            itemLogger[metadataKey: "item"] = "\(item.stem)"
            if item.isCorrection { return CorrectionStage(layout: stageLayout).process(item, corrector: models.corrector, logger: itemLogger) }
            let stage = ImageStage(layout: stageLayout, maxPixels: maxPixels, version: version)
            return stage.process(item, models: models, logger: itemLogger, heartbeat: lane.beat)
        }
    }

    private func makeTrainingLane(_ queue: SpoolQueue) -> LaneWorker {
        let runner = JobRunner(layout: layout, dataRoot: config.resolvedDataRoot)
        let logger = logger
        return LaneWorker(lane: .training, queue: queue, threads: config.trainingThreads,
                          retryDelay: options.retryDelay, logger: logger) { [unowned self] item, lane in
            let control = JobControl(jobID: item.stem, layout: layout, isStopping: { lane.isStopRequested },
                                     setMonitored: lane.setMonitored) { summary in
                lane.beat()
                self.progressLock.withLock { self.progress[.training] = summary }
            }
            defer { progressLock.withLock { progress[.training] = nil } }
            var jobLogger = logger
            jobLogger[metadataKey: "job"] = "\(item.stem)"
            let result = runner.process(item, control: control, logger: jobLogger)
            if let promoted = result.promoted { promote(promoted, job: item.stem) }
            return result.outcome
        }
    }

    // MARK: - systemd

    /// `inference: refining a.png, 3 queued · training: job j: epoch 2/10 …`.
    private func statusLine() -> String {
        let parts = lanes.map { lane -> String in
            let (current, queued) = lane.snapshot
            let detail = progressLock.withLock { progress[lane.lane] }
            var text = "\(lane.lane.rawValue): "
            if let current {
                text += "\(detail ?? (lane.lane == .inference ? "refining" : "running")) \(current)"
            } else {
                text += "idle"
            }
            return text + ", \(queued) queued"
        }
        return parts.joined(separator: " · ")
    }

    /// Sends a notification; a failure is logged, never fatal (systemd may be gone at shutdown).
    private func notify(_ send: () throws -> Void) {
        do { try send() } catch { logger.warning("sd_notify failed: \(error)") }
    }
}
