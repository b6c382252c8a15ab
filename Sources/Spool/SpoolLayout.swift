import Foundation

/// The folders of a spool (see DESIGN.md): where users drop inputs, where the daemon keeps
/// claimed items, where finished inputs and outputs end up.
public struct SpoolLayout: Sendable, Equatable {
    public let root: URL

    public init(root: URL) { self.root = root.standardizedFileURL }

    /// Drop `*.png` images here.
    public var inbox: URL { folder("inbox") }
    /// Drop `*.toml` / `*.json` job files here.
    public var jobs: URL { folder("jobs") }
    /// The claim areas of the daemon instances, `work/INSTANCE/` (internal), and cancel requests.
    public var work: URL { folder("work") }
    /// Inputs that finished, unchanged.
    public var done: URL { folder("done") }
    /// Inputs that failed, unchanged, each beside `NAME.error.json`.
    public var failed: URL { folder("failed") }
    public var out: URL { folder("out") }
    public var masks: URL { folder("out/masks") }
    public var refined: URL { folder("out/refined") }
    public var predictions: URL { folder("out/predictions") }
    public var logs: URL { folder("out/logs") }
    public var jobOutputs: URL { folder("out/jobs") }

    /// Every folder of the layout, parents first.
    public var allFolders: [URL] {
        [inbox, jobs, work, done, failed, out, masks, refined, predictions, logs, jobOutputs]
    }

    /// The claim area of one daemon instance: its claimed items and its `lease.json`.
    public func workArea(_ instance: String) -> URL {
        work.appendingPathComponent(instance, isDirectory: true)
    }

    /// The lock file that serialises claims and adoptions across instances (see `SpoolQueue`).
    public var claimLock: URL { work.appendingPathComponent(".claims.lock") }

    /// The instance ids that have a claim area in `work/`, sorted.
    public func claimAreas() throws -> [String] {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: work.path) } catch {
            throw SpoolError(work.path, "cannot list: \(error.localizedDescription)")
        }
        return names.filter { name in
            var info = stat()
            return !name.hasPrefix(".") && lstat(workArea(name).path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR
        }.sorted()
    }

    /// The drop folder of a lane.
    public func dropFolder(_ lane: Lane) -> URL { lane == .inference ? inbox : jobs }

    /// Creates whatever folders are missing.
    public func createSkeleton() throws {
        for url in allFolders {
            do {
                try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            } catch {
                throw SpoolError(url.path, "cannot create spool folder: \(error.localizedDescription)")
            }
        }
    }

    private func folder(_ relative: String) -> URL {
        root.appendingPathComponent(relative, isDirectory: true)
    }
}

/// The two independent lanes of work: images for inference, job files for training.
public enum Lane: String, Sendable, CaseIterable, Codable {
    case inference
    case training

    /// The lane a dropped file belongs to, by extension; nil for files the spool ignores.
    public static func of(fileName name: String) -> Lane? {
        switch (name as NSString).pathExtension.lowercased() {
        case "png": return .inference
        case "toml", "json": return .training
        default: return nil
        }
    }
}

/// A spool operation that failed, naming the file.
public struct SpoolError: Error, CustomStringConvertible, Sendable, Equatable {
    public let path: String
    public let problem: String
    public init(_ path: String, _ problem: String) { self.path = path; self.problem = problem }
    public var description: String { "\(path): \(problem)" }
}

extension SpoolLayout {
    /// The file `ultrarefiner cancel` creates to stop a running job; the job runner polls it. It
    /// sits in `work/` itself, not in an instance's area, so it stays valid when another
    /// instance adopts the job.
    public func cancelRequest(jobID: String) -> URL {
        work.appendingPathComponent("\(jobID).cancel")
    }

    /// Where a running job keeps its live progress (read by `ultrarefiner status`).
    public func progressFile(jobID: String) -> URL {
        jobOutputs.appendingPathComponent(jobID).appendingPathComponent("progress.json")
    }
}
