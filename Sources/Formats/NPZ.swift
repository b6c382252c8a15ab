import Durable
import Foundation

/// numpy's `.npz` archives: a ZIP of `.npy` members, stored (`np.savez`) or deflated
/// (`np.savez_compressed`), zip64 headers included. Keys are member names without `.npy`,
/// as `np.load` presents them. Errors name the archive and, where one is at fault, the member.
public enum NPZ {
    /// Every array in the archive.
    public static func read(_ url: URL) throws -> [String: NPYArray] {
        let archive = try open(url)
        var arrays: [String: NPYArray] = [:]
        for entry in archive.members where entry.isFile {
            arrays[key(of: entry)] = try array(entry, in: archive, url: url)
        }
        return arrays
    }

    /// Only the arrays named by `keys`, leaving the other members compressed on disk: reading
    /// one tensor of a large checkpoint does not cost the whole file.
    public static func read(_ url: URL, keys: [String]) throws -> [String: NPYArray] {
        let archive = try open(url)
        var arrays: [String: NPYArray] = [:]
        for key in keys {
            guard let entry = archive["\(key).npy"] ?? archive[key] else {
                let present = archive.members.filter(\.isFile).map(Self.key(of:)).sorted()
                throw FormatError(url, "no array '\(key)' in the archive (it has: \(present.joined(separator: ", ")))")
            }
            arrays[key] = try array(entry, in: archive, url: url)
        }
        return arrays
    }

    /// The keys of the arrays in the archive, in archive order, without reading any array.
    public static func keys(_ url: URL) throws -> [String] {
        try open(url).members.filter(\.isFile).map(key(of:))
    }

    /// Writes `arrays` as an `.npz` archive atomically, members in key order, deflated
    /// when `compressed` (as `np.savez_compressed`) and stored otherwise (as `np.savez`).
    public static func write(_ arrays: [String: NPYArray], to url: URL, compressed: Bool = false) throws {
        try AtomicFile.write(encode(arrays, compressed: compressed, name: url.path), to: url)
    }

    /// The `.npz` bytes of `arrays`; `name` identifies the archive in errors.
    public static func encode(_ arrays: [String: NPYArray], compressed: Bool = false,
                              name: String = "<in-memory NPZ>") throws -> Data {
        var members: [(path: String, data: Data)] = []
        for key in arrays.keys.sorted() {
            guard !key.isEmpty else { throw FormatError(name, "an array key is empty") }
            members.append((path: "\(key).npy", data: NPY.encode(arrays[key]!)))
        }
        return try ZipMember.archive(members, compressed: compressed, name: name)
    }

    private static func open(_ url: URL) throws -> ZipArchive {
        let size = try FileBytes.size(url)
        guard size > 0 else { throw FormatError(url, "empty file (0 bytes), not an NPZ archive") }
        do {
            return try ZipArchive(url)
        } catch let error as FormatError {
            throw FormatError(url, "not a readable ZIP archive (\(error.problem)): truncated, or not an NPZ file")
        }
    }

    private static func key(of entry: ZipArchive.Member) -> String {
        entry.path.hasSuffix(".npy") ? String(entry.path.dropLast(4)) : entry.path
    }

    private static func array(_ entry: ZipArchive.Member, in archive: ZipArchive, url: URL) throws -> NPYArray {
        let bytes = try archive.read(entry)
        do {
            return try NPY.decode(bytes, name: entry.path)
        } catch let error as FormatError {
            throw FormatError(url, "member '\(entry.path)': \(error.problem)")
        }
    }
}
