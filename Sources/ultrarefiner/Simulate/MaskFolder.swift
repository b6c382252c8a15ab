import Datasets
import Durable
import Formats
import Foundation
import Imaging
import Pixels

/// Ground-truth masks found under a folder: a raw dataset as `prepare` reads it (BUSI class
/// folders or images/ + masks/; an image's several mask files are merged into one ground
/// truth), or else every PNG under the folder as its own mask.
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
        let groups: [[URL]]
        if let dataset = try? RawDataset.scan(folder), !dataset.cases.isEmpty {
            groups = dataset.cases.map(\.masks)
        } else {
            groups = (FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)?
                .compactMap { $0 as? URL } ?? [])
                .filter { $0.pathExtension.lowercased() == "png" }
                .sorted { $0.path < $1.path }
                .map { [$0] }
        }
        guard !groups.isEmpty else { throw FormatError(folder, "no PNG masks found") }
        entries = try groups.map { files in
            var merged = try PNG.readGray(files[0])
            for file in files.dropFirst() {
                let part = try PNG.readGray(file)
                guard part.width == merged.width, part.height == merged.height else {
                    throw FormatError(file, "mask is \(part.width)x\(part.height) but \(files[0].lastPathComponent) is \(merged.width)x\(merged.height)")
                }
                merged = merged.union(part)
            }
            return Entry(files: files, mask: merged.binarized(above: 0, foreground: 1))
        }
    }
}
