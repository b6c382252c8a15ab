import CInflate
import Durable
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A zip archive read from a file that may be hostile (a `.pth` checkpoint or an `.npz` named by
/// a job file): the end-of-central-directory record (zip64 included), the central directory and
/// each member's local header are parsed here, and every offset and size is checked against the
/// file before any byte is read through it. Members are stored or deflated; CRC-32 is verified.
///
/// Read here rather than through ZIPFoundation, whose reader traps on some damaged directories
/// (an offset beyond `off_t` in `Data.readStruct`, found by tools/fuzz) and would take the
/// daemon down with it; ZIPFoundation still writes archives (`ZipMember`).
final class ZipArchive {
    /// One entry of the central directory.
    struct Member: Sendable, Equatable {
        let path: String
        let method: UInt16
        let flags: UInt16
        let checksum: UInt32
        let compressedSize: UInt64
        let uncompressedSize: UInt64
        let localHeaderOffset: UInt64

        /// Folders are entries whose name ends in `/`.
        var isFile: Bool { !path.hasSuffix("/") }
    }

    /// The members in central-directory order.
    let members: [Member]
    private let descriptor: Int32
    private let source: String
    /// Member data lies before the central directory; nothing may be read past it.
    private let directoryOffset: UInt64

    /// Opens `url` and reads its central directory. Throws a `FormatError` naming the file for
    /// anything that is not a readable single-disk archive.
    init(_ url: URL) throws {
        source = url.path
        descriptor = open(url.path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FormatError(url, "cannot open: \(String(cString: strerror(errno)))") }
        do {
            var status = stat()
            guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
                throw FormatError(url, "not a regular file")
            }
            let directory = try Self.locateDirectory(descriptor, fileSize: UInt64(status.st_size), source: source)
            directoryOffset = directory.offset
            members = try Self.readDirectory(descriptor, directory, source: source)
        } catch {
            close(descriptor)
            throw error
        }
    }

    deinit { close(descriptor) }

    /// The first member named `path`.
    subscript(path: String) -> Member? { members.first { $0.path == path } }

    /// A member's bytes, inflated if deflated, after checking its CRC-32 and size.
    func read(_ member: Member) throws -> Data {
        func fail(_ problem: String) -> FormatError { FormatError(source, "member '\(member.path)': \(problem)") }
        guard member.flags & 1 == 0 else { throw fail("encrypted members are not supported") }
        let header = try Self.bytes(descriptor, at: member.localHeaderOffset, count: 30, source: source)
        guard header.u32(0) == 0x0403_4B50 else { throw fail("no local header at offset \(member.localHeaderOffset); the archive is corrupt") }
        let dataStart = member.localHeaderOffset + 30 + UInt64(header.u16(26)) + UInt64(header.u16(28))
        let (dataEnd, overflow) = dataStart.addingReportingOverflow(member.compressedSize)
        guard !overflow, dataEnd <= directoryOffset else {
            throw fail("its \(member.compressedSize) bytes run past the end of the member data (truncated or corrupt)")
        }
        let data: Data
        switch member.method {
        case 0:
            guard member.compressedSize == member.uncompressedSize else {
                throw fail("stored with \(member.compressedSize) bytes but declares \(member.uncompressedSize)")
            }
            data = try Self.bytes(descriptor, at: dataStart, count: Int(member.compressedSize), source: source)
        case 8:
            data = try inflate(member, from: dataStart, fail: fail)
        default:
            throw fail("compression method \(member.method) is not supported (only stored and deflate)")
        }
        let checksum = data.withUnsafeBytes { raw in
            // zlib takes 32-bit lengths, so a member over 4 GiB is summed in pieces.
            stride(from: 0, to: raw.count, by: 1 << 30).reduce(crc32(0, nil, 0)) { sum, start in
                let piece = UnsafeRawBufferPointer(rebasing: raw[start..<min(start + (1 << 30), raw.count)])
                return crc32(sum, piece.bindMemory(to: Bytef.self).baseAddress, uInt(piece.count))
            }
        }
        guard UInt32(checksum) == member.checksum else { throw fail("CRC-32 mismatch, the archive is corrupt") }
        return data
    }

    // MARK: - Directory

    private struct Directory {
        var offset: UInt64
        var size: UInt64
        var entries: UInt64
    }

    /// Finds the end-of-central-directory record (the last signature in the final 64 KiB + 22
    /// bytes) and, when a zip64 locator precedes it, the zip64 record it points to.
    private static func locateDirectory(_ fd: Int32, fileSize: UInt64, source: String) throws -> Directory {
        let tailLength = Int(min(fileSize, 22 + 0xFFFF))
        let tail = try bytes(fd, at: fileSize - UInt64(tailLength), count: tailLength, source: source)
        guard tailLength >= 22,
              let at = stride(from: tailLength - 22, through: 0, by: -1).first(where: { tail.u32($0) == 0x0605_4B50 }) else {
            throw FormatError(source, "no end-of-central-directory record (truncated, or not a zip file)")
        }
        let recordOffset = fileSize - UInt64(tailLength) + UInt64(at)
        var directory = Directory(offset: UInt64(tail.u32(at + 16)), size: UInt64(tail.u32(at + 12)),
                                  entries: UInt64(tail.u16(at + 10)))
        var disks = [tail.u16(at + 4), tail.u16(at + 6)].map(UInt32.init)
        var directoryEnd = recordOffset
        let locator = recordOffset >= 20 ? try bytes(fd, at: recordOffset - 20, count: 20, source: source) : Data()
        if locator.count == 20 && locator.u32(0) == 0x0706_4B50 {
            let zip64Offset = locator.u64(8)
            guard zip64Offset <= recordOffset - 20, recordOffset - 20 - zip64Offset >= 56 else {
                throw FormatError(source, "zip64 end-of-central-directory record lies outside the file (corrupt)")
            }
            let zip64 = try bytes(fd, at: zip64Offset, count: 56, source: source)
            guard zip64.u32(0) == 0x0606_4B50 else {
                throw FormatError(source, "no zip64 end-of-central-directory record where its locator points (corrupt)")
            }
            directory = Directory(offset: zip64.u64(48), size: zip64.u64(40), entries: zip64.u64(32))
            disks = [zip64.u32(16), zip64.u32(20), locator.u32(4)]
            directoryEnd = zip64Offset
        }
        guard disks.allSatisfy({ $0 == 0 }) else { throw FormatError(source, "multi-disk (split) archives are not supported") }
        let (end, overflow) = directory.offset.addingReportingOverflow(directory.size)
        guard !overflow, end <= directoryEnd else {
            throw FormatError(source, "central directory (offset \(directory.offset), \(directory.size) bytes) lies outside the file (truncated or corrupt)")
        }
        // Each entry takes at least 46 bytes, so the count cannot ask for more than the bytes hold.
        guard directory.entries <= directory.size / 46 else {
            throw FormatError(source, "central directory claims \(directory.entries) entries in \(directory.size) bytes (corrupt)")
        }
        return directory
    }

    private static func readDirectory(_ fd: Int32, _ directory: Directory, source: String) throws -> [Member] {
        let table = try bytes(fd, at: directory.offset, count: Int(directory.size), source: source)
        var members: [Member] = []
        var at = 0
        for index in 0..<Int(directory.entries) {
            func corrupt(_ problem: String) -> FormatError {
                FormatError(source, "central directory entry \(index): \(problem) (corrupt)")
            }
            guard at + 46 <= table.count, table.u32(at) == 0x0201_4B50 else { throw corrupt("no entry header") }
            let nameLength = Int(table.u16(at + 28)), extraLength = Int(table.u16(at + 30))
            let commentLength = Int(table.u16(at + 32))
            let next = at + 46 + nameLength + extraLength + commentLength
            guard next <= table.count else { throw corrupt("name and extra fields run past the directory") }
            var uncompressed = UInt64(table.u32(at + 24)), compressed = UInt64(table.u32(at + 20))
            var offset = UInt64(table.u32(at + 42))
            var disk = UInt32(table.u16(at + 34))
            // zip64: the saturated fields follow in the extra field 0x0001, in this order.
            var extra = at + 46 + nameLength
            let extraEnd = extra + extraLength
            while extra + 4 <= extraEnd {
                let id = table.u16(extra), size = Int(table.u16(extra + 2))
                guard extra + 4 + size <= extraEnd else { throw corrupt("extra field runs past its entry") }
                if id == 0x0001 {
                    var field = extra + 4
                    func take() throws -> UInt64 {
                        guard field + 8 <= extra + 4 + size else { throw corrupt("zip64 extra field too short") }
                        defer { field += 8 }
                        return table.u64(field)
                    }
                    if uncompressed == 0xFFFF_FFFF { uncompressed = try take() }
                    if compressed == 0xFFFF_FFFF { compressed = try take() }
                    if offset == 0xFFFF_FFFF { offset = try take() }
                    if disk == 0xFFFF, field + 4 <= extra + 4 + size { disk = table.u32(field) }
                }
                extra += 4 + size
            }
            guard disk == 0 else { throw corrupt("member on disk \(disk) of a split archive") }
            let (headerEnd, overflow) = offset.addingReportingOverflow(30)
            guard !overflow, headerEnd <= directory.offset, compressed <= directory.offset - headerEnd else {
                throw corrupt("member data (offset \(offset), \(compressed) bytes) lies outside the file")
            }
            let name = String(decoding: table[(table.startIndex + at + 46)..<(table.startIndex + at + 46 + nameLength)], as: UTF8.self)
            members.append(Member(path: name, method: table.u16(at + 10), flags: table.u16(at + 8),
                                  checksum: table.u32(at + 16), compressedSize: compressed,
                                  uncompressedSize: uncompressed, localHeaderOffset: offset))
            at = next
        }
        return members
    }

    // MARK: - Reading

    /// Deflate expands at most about 1032:1, so a larger declared size is a lie, not a reason
    /// to let the output grow past what the member's bytes can produce.
    private static let maxDeflateRatio: UInt64 = 1032

    private func inflate(_ member: Member, from start: UInt64, fail: (String) -> FormatError) throws -> Data {
        guard member.uncompressedSize / Self.maxDeflateRatio <= member.compressedSize else {
            throw fail("declares \(member.uncompressedSize) bytes, more than \(member.compressedSize) deflated bytes can hold")
        }
        var stream = z_stream()
        guard inflateInit2_(&stream, -MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw fail("cannot start zlib")
        }
        defer { inflateEnd(&stream) }
        let expected = Int(member.uncompressedSize)
        // The declared size only sizes the first allocation, so a lying header cannot force a huge one.
        var output = Data(capacity: min(expected, 1 << 26))
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var consumed: UInt64 = 0
        var status = Z_OK
        while status != Z_STREAM_END {
            let input = try Self.bytes(descriptor, at: start + consumed,
                                       count: Int(min(member.compressedSize - consumed, 1 << 20)), source: source)
            guard !input.isEmpty else { throw fail("deflate stream ends early (truncated or corrupt)") }
            consumed += UInt64(input.count)
            try input.withUnsafeBytes { raw in
                stream.next_in = UnsafeMutablePointer(mutating: raw.bindMemory(to: Bytef.self).baseAddress)
                stream.avail_in = uInt(raw.count)
                repeat {
                    let produced = chunk.withUnsafeMutableBytes { out -> Int in
                        stream.next_out = out.bindMemory(to: Bytef.self).baseAddress
                        stream.avail_out = uInt(out.count)
                        status = CInflate.inflate(&stream, Z_NO_FLUSH)
                        return out.count - Int(stream.avail_out)
                    }
                    guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
                        throw fail("corrupt deflate data (zlib status \(status))")
                    }
                    guard output.count + produced <= expected else {
                        throw fail("inflates to more than the \(expected) bytes it declares")
                    }
                    output.append(contentsOf: chunk[..<produced])
                    // A full output buffer may leave output pending inside zlib even with no input left.
                } while (stream.avail_in > 0 || stream.avail_out == 0) && status != Z_STREAM_END
            }
        }
        guard output.count == expected else { throw fail("inflates to \(output.count) bytes, declares \(expected)") }
        return output
    }

    /// Exactly `count` bytes at `offset`, or a `FormatError` if the file ends first.
    private static func bytes(_ fd: Int32, at offset: UInt64, count: Int, source: String) throws -> Data {
        var data = Data(count: count)
        let received = data.withUnsafeMutableBytes { raw -> Int in
            var done = 0
            while done < count {
                let n = pread(fd, raw.baseAddress! + done, count - done, off_t(offset) + off_t(done))
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                done += n
            }
            return done
        }
        guard received == count else {
            throw FormatError(source, "file ends at byte \(offset + UInt64(received)), \(count) bytes were due at \(offset) (truncated)")
        }
        return data
    }
}

private extension Data {
    func u16(_ at: Int) -> UInt16 { UInt16(self[startIndex + at]) | UInt16(self[startIndex + at + 1]) << 8 }
    func u32(_ at: Int) -> UInt32 { UInt32(u16(at)) | UInt32(u16(at + 2)) << 16 }
    func u64(_ at: Int) -> UInt64 { UInt64(u32(at)) | UInt64(u32(at + 4)) << 32 }
}
