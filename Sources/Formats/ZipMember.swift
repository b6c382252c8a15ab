import Durable
import Foundation
import ZIPFoundation

/// Building zip containers (NPZ archives, PyTorch checkpoints) in memory with ZIPFoundation.
/// Reading them is `ZipArchive`'s, which trusts no offset in the file.
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
}
