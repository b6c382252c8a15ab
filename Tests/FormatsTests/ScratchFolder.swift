import Foundation
import TestSupport

/// A fresh temporary folder that is deleted with its owner: a suite keeps one as a stored
/// property, so each test gets its own folder and leaves nothing behind in /tmp.
final class ScratchFolder {
    let url: URL

    init(_ label: String) throws {
        url = try TestPaths.temporaryDirectory(label)
    }

    /// A path inside the folder (the file itself is not created).
    func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }
}
