import Foundation
import ZIPFoundation

/// Reading one member of a zip container (NPZ archives, PyTorch checkpoints) in full,
/// with its CRC-32 verified: ZIPFoundation computes the checksum while extracting to a
/// consumer but leaves the comparison to the caller.
enum ZipMember {
    static func read(_ entry: Entry, in archive: Archive, source: String) throws -> Data {
        // The declared size only sizes the first allocation, so a lying header cannot force a huge one.
        var bytes = Data(capacity: Int(min(entry.uncompressedSize, 1 << 26)))
        let checksum: CRC32
        do {
            checksum = try archive.extract(entry, skipCRC32: false) { bytes.append($0) }
        } catch {
            throw FormatError(source, "member '\(entry.path)': cannot extract (\(error)); the file is truncated or corrupt")
        }
        guard checksum == entry.checksum else {
            throw FormatError(source, "member '\(entry.path)': CRC-32 mismatch, the archive is corrupt")
        }
        return bytes
    }
}
