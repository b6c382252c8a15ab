import Durable
import Foundation
import ZIPFoundation

/// Zip containers (NPZ archives, PyTorch checkpoints): reading one member in full with its
/// CRC-32 verified (ZIPFoundation computes the checksum while extracting to a consumer but
/// leaves the comparison to the caller), and building an archive in memory.
enum ZipMember {
    /// The bytes of a zip archive holding `members` in order, deflated or stored.
    static func archive(_ members: [(path: String, data: Data)], compressed: Bool, name: String) throws -> Data {
        do {
            let archive = try Archive(accessMode: .create)
            for (path, member) in members {
                try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(member.count),
                                     compressionMethod: compressed ? .deflate : .none) { position, size in
                    member.subdata(in: Int(position)..<Int(position) + size)
                }
            }
            guard let data = archive.data else { throw FormatError(name, "the ZIP library produced no archive") }
            return data
        } catch let error as FormatError {
            throw error
        } catch {
            throw FormatError(name, "cannot build the ZIP archive: \(error)")
        }
    }

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
