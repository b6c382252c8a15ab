import Foundation
import Formats
import Imaging

/// Ground-truth masks found under a folder: BUSI-style `NAME_mask.png`, `NAME_mask_1.png`,
/// ... merged per image (a lesion annotated in several files is one ground truth), or, when
/// no file follows that naming, every PNG as its own mask.
struct MaskFolder {
    /// One ground truth: the files it came from and their union as a 0/1 mask.
    struct Entry {
        var files: [URL]
        var mask: Raster<UInt8>
    }

    let entries: [Entry]

    init(_ folder: URL) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw FormatError(folder, "no such folder")
        }
        let pngs = (FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)?
            .compactMap { $0 as? URL } ?? [])
            .filter { $0.pathExtension.lowercased() == "png" }
            .sorted { $0.path < $1.path }
        let groups = Self.group(pngs)
        guard !groups.isEmpty else { throw FormatError(folder, "no PNG masks found") }
        entries = try groups.map { files in
            var merged = try PNG.readGray(files[0]).binarized()
            for file in files.dropFirst() {
                let part = try PNG.readGray(file)
                guard part.width == merged.width, part.height == merged.height else {
                    throw FormatError(file, "mask is \(part.width)x\(part.height) but \(files[0].lastPathComponent) is \(merged.width)x\(merged.height)")
                }
                for i in 0..<merged.pixels.count where part.pixels[i] != 0 { merged.pixels[i] = 1 }
            }
            return Entry(files: files, mask: merged)
        }
    }

    /// BUSI naming groups by folder and image stem; otherwise one file per group.
    static func group(_ pngs: [URL]) -> [[URL]] {
        let pattern = /^(.*)_mask(_[0-9]+)?\.png$/
        let busi = pngs.filter { $0.lastPathComponent.wholeMatch(of: pattern) != nil }
        guard !busi.isEmpty else { return pngs.map { [$0] } }
        var groups: [String: [URL]] = [:]
        for file in busi {
            let stem = file.lastPathComponent.wholeMatch(of: pattern)!.output.1
            groups[file.deletingLastPathComponent().appendingPathComponent(String(stem)).path, default: []].append(file)
        }
        // `NAME_mask.png` leads its group, then `NAME_mask_1.png`, ... in name order.
        func order(_ file: URL) -> (Int, String) {
            (file.lastPathComponent.hasSuffix("_mask.png") ? 0 : 1, file.lastPathComponent)
        }
        return groups.keys.sorted().map { key in groups[key]!.sorted { order($0) < order($1) } }
    }
}
