import Daemon
import Datasets
import Formats
import Foundation
import Imaging
import SegmentAnything
import Spool
import TestSupport
import Testing
import TransUNetModel

/// The tests that run the real daemon binary, one at a time: several daemons at once on two
/// cores would only make their timeouts flaky.
@Suite(.serialized) enum DaemonProcessTests {}

/// Weights for daemon tests, made here so the tests need neither ../shared nor downloads: a
/// randomly initialised cpu-tiny TransUNet and a tiny SAM at 256², written the way users' files
/// are (safetensors with the config in the metadata). Random weights make arbitrary masks, but
/// every stage of the real chain runs.
enum TestWeights {
    struct Files: Sendable {
        let transunet: URL
        let sam: URL
    }

    static let files: Files = {
        let folder = try! TestPaths.temporaryDirectory("weights")
        let transunet = folder.appendingPathComponent("transunet.safetensors")
        let sam = folder.appendingPathComponent("sam.safetensors")
        try! TransUNet(.cpuTiny, seed: 7).save(to: transunet)
        var config = SAMConfig.tiny
        config.imageSize = 256
        try! SAM(config: config, seed: 11).save(to: sam)
        return Files(transunet: transunet, sam: sam)
    }()

    /// A synthetic ultrasound frame (phantom `index`) as PNG bytes.
    static func phantomPNG(_ index: Int, width: Int = 96, height: Int = 80) throws -> Data {
        try PNG.encode(PhantomGenerator(width: width, height: height, seed: 3).phantom(index: index).image)
    }
}

/// The `ultrarefinerd` binary built beside the test bundle, run as users and systemd run it.
///
/// Started with `posix_spawn` and an empty signal mask, not with Foundation's `Process`: that
/// passes on the mask of the thread that starts it, and Swift Testing runs tests on Dispatch
/// threads that block nearly every signal. A daemon started that way inherits SIGTERM blocked
/// in every thread, including those libraries start before `main`, which hid the signal
/// handling that a daemon started by systemd (empty mask, default dispositions) really has.
final class DaemonProcess: @unchecked Sendable {
    let pid: pid_t
    let stderrFile: URL
    let spool: URL
    private let lock = NSLock()
    private var exitStatus: Int32?

    /// The executable built with the tests (same folder as the running test binary).
    static var executable: URL {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("ultrarefinerd")
    }

    /// Variables that would override the thread counts the daemon and OpenBLAS pick themselves.
    static let threadOverrides = ["ULTRAREFINER_THREADS", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "GOTO_NUM_THREADS"]

    /// Starts the daemon on `spool` with the test weights (unless `arguments` replace them).
    /// Tests run it on one numeric thread to share the two cores fairly; `asDeployed` drops
    /// every thread-count override instead, so it starts the thread pools a real service has.
    /// `fileSizeLimit` (bytes, through prlimit, which execs it under the same pid) makes the
    /// kernel end the daemon with SIGXFSZ when it writes a larger file, without a core dump.
    init(spool: URL, arguments: [String]? = nil, environment: [String: String] = [:], retryDelay: Double = 0.5,
         asDeployed: Bool = false, fileSizeLimit: Int? = nil) throws {
        self.spool = spool
        // Not inside the spool's file system, which a test may fill up.
        stderrFile = FileManager.default.temporaryDirectory.appendingPathComponent("ultrarefinerd-\(UUID().uuidString).log")
        let arguments = arguments ?? [
            "--spool", spool.path, "--transunet", TestWeights.files.transunet.path, "--sam", TestWeights.files.sam.path,
            "--retry-delay", String(retryDelay),
        ]
        var env = ProcessInfo.processInfo.environment
        for key in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "JOURNAL_STREAM"] { env[key] = nil }
        if asDeployed {
            for key in Self.threadOverrides { env[key] = nil }
        } else {
            env["ULTRAREFINER_THREADS"] = "1"
        }
        env.merge(environment) { $1 }
        if let fileSizeLimit {
            pid = try Self.spawn("/usr/bin/prlimit", arguments: ["--fsize=\(fileSizeLimit)", "--core=0", "--", Self.executable.path]
                                 + arguments, environment: env, stderr: stderrFile.path)
        } else {
            pid = try Self.spawn(Self.executable.path, arguments: arguments, environment: env, stderr: stderrFile.path)
        }
    }

    /// `posix_spawn` with an empty signal mask and every signal at its default action, stdin and
    /// stdout on /dev/null, stderr appended to `stderr`, and no other descriptor inherited.
    private static func spawn(_ path: String, arguments: [String], environment: [String: String],
                              stderr: String) throws -> pid_t {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        guard Self.closeFrom(&actions, 3) == 0 else { throw POSIXError(.EINVAL) }
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid = pid_t()
        let result = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        guard result == 0 else { throw POSIXError(POSIXErrorCode(rawValue: result) ?? .EIO) }
        return pid
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34+), which Swift's Glibc module
    /// does not declare: without it the daemon would inherit whatever the test runner has open.
    private static let closeFrom: @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32 = {
        let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np")
        precondition(symbol != nil, "glibc 2.34 or later is needed (posix_spawn_file_actions_addclosefrom_np)")
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    }()

    var log: String { (try? String(contentsOf: stderrFile, encoding: .utf8)) ?? "" }

    func signal(_ number: Int32) { if isRunning { kill(pid, number) } }

    /// False once the process has exited (and been reaped here).
    var isRunning: Bool {
        lock.withLock {
            guard exitStatus == nil else { return false }
            var status: Int32 = 0
            guard waitpid(pid, &status, WNOHANG) == pid else { return true }
            // As a shell reports it: the exit code, or 128 + the signal that ended the process.
            exitStatus = status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + status & 0x7F
            return false
        }
    }

    /// Waits for exit and returns the status (nil if it did not exit within `timeout`): the exit
    /// code, or 128 + the number of the signal that killed it (143 for SIGTERM).
    func waitForExit(timeout: Double = 30) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while isRunning && Date() < deadline { usleep(20_000) }
        return isRunning ? nil : lock.withLock { exitStatus }
    }

    /// SIGTERM and wait; SIGKILL if it does not stop.
    func stop() -> Int32? {
        signal(SIGTERM)
        if let status = waitForExit() { return status }
        signal(SIGKILL)
        _ = waitForExit()
        return nil
    }

    /// The threads (`/proc/PID/task/TID/comm` and TID) whose signal mask leaves `number` unblocked.
    func threadsNotBlocking(_ number: Int32) -> [String] {
        let tasks = "/proc/\(pid)/task"
        let ids = (try? FileManager.default.contentsOfDirectory(atPath: tasks)) ?? []
        return ids.sorted().compactMap { id in
            guard let status = try? String(contentsOfFile: "\(tasks)/\(id)/status", encoding: .utf8),
                  let line = status.split(separator: "\n").first(where: { $0.hasPrefix("SigBlk:") }),
                  let mask = UInt64(line.dropFirst("SigBlk:".count).trimmingCharacters(in: .whitespaces), radix: 16)
            else { return nil }  // the thread ended while being read
            guard mask & (1 << UInt64(number - 1)) == 0 else { return nil }
            let name = (try? String(contentsOfFile: "\(tasks)/\(id)/comm", encoding: .utf8)) ?? "?"
            return "\(name.trimmingCharacters(in: .whitespacesAndNewlines)) (\(id))"
        }
    }

    deinit { if isRunning { kill(pid, SIGKILL); _ = waitForExit() } }
}

/// Polls `condition` every 50 ms for up to `timeout` seconds.
func eventually(timeout: Double = 60, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        usleep(50_000)
    }
    return condition()
}

/// Names of the visible files in a folder, sorted.
func files(in folder: URL) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
}

/// Every name in a folder, dotfiles included (temporaries must never be left behind).
func allEntries(in folder: URL) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
}

/// The claimed files in every instance's area (leases aside), as `INSTANCE/NAME`.
func claimedFiles(_ layout: SpoolLayout) -> [String] {
    files(in: layout.work).flatMap { area in
        files(in: layout.workArea(area)).filter { $0 != SpoolLease.fileName }.map { "\(area)/\($0)" }
    }
}

/// Drops a file into a drop folder the way users should: written elsewhere, renamed in.
@discardableResult
func drop(_ data: Data, as name: String, into folder: URL) throws -> URL {
    try SpoolSubmission.placeWithoutReplacing(data, named: name, in: folder)
}

/// A fresh spool with a raw phantom dataset (12 cases of 64²) beside it, for training-lane tests.
struct TrainingSpool {
    let root: URL
    let layout: SpoolLayout
    /// The raw dataset (images/ + masks/) a prepare job or `DatasetPreparation` reads.
    let raw: URL

    var spool: URL { layout.root }

    init(_ label: String) throws {
        root = try TestPaths.temporaryDirectory(label)
        layout = SpoolLayout(root: root.appendingPathComponent("spool"))
        try layout.createSkeleton()
        raw = root.appendingPathComponent("raw")
        try PhantomGenerator(width: 64, height: 64, seed: 11).writeRawDataset(count: 12, to: raw)
    }

    /// A small phase-1 job (cpu-tiny at 32², fold 0) on the prepared dataset `PH`.
    static func trainJob(epochs: Int, promote: Bool = false) -> String {
        """
        stage = "train-transunet"
        dataset = "PH"
        folds = [0]
        preset = "cpu-tiny"
        image_size = 32
        batch_size = 2
        epochs = \(epochs)
        promote = \(promote)
        """
    }
}

