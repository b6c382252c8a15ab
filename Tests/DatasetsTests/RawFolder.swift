import Formats
import Foundation
import Imaging
import Pixels
import TestSupport

/// A fresh temporary folder with helpers that build small raw datasets in it for the
/// `prepare` tests; tests `defer { folder.remove() }` so nothing is left in /tmp.
struct RawFolder {
    let root: URL

    init(_ label: String) throws {
        root = try TestPaths.temporaryDirectory(label)
    }

    func remove() {
        try? FileManager.default.removeItem(at: root)
    }

    func url(_ relative: String) -> URL { root.appendingPathComponent(relative) }

    /// A gray image whose pixel values depend on `seed`, so every case is distinguishable.
    static func image(width: Int, height: Int, seed: Int) -> Raster<UInt8> {
        Raster(width: width, height: height,
               pixels: (0..<width * height).map { UInt8(truncatingIfNeeded: $0 * 7 + seed * 31) })
    }

    /// A mask with `value` on the rectangle `rows`×`columns`, 0 elsewhere.
    static func mask(width: Int, height: Int, rows: Range<Int>, columns: Range<Int>,
                     value: UInt8 = 255) -> Raster<UInt8> {
        var mask = Raster<UInt8>(width: width, height: height, repeating: 0)
        for y in rows { for x in columns { mask[y, x] = value } }
        return mask
    }

    func write(_ raster: Raster<UInt8>, _ relative: String) throws {
        let file = url(relative)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try PNG.write(raster, to: file)
    }

    func writeBytes(_ text: String, _ relative: String) throws {
        let file = url(relative)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: file)
    }

    /// An image with one mask covering a few pixels: a usable case.
    func writeCase(image: String, mask: String, seed: Int, width: Int = 12, height: Int = 10) throws {
        try write(Self.image(width: width, height: height, seed: seed), image)
        try write(Self.mask(width: width, height: height, rows: 2..<5, columns: seed % 5..<(seed % 5 + 3)), mask)
    }
}

/// Lists the `.png` stems of a folder, sorted (empty if the folder is missing).
func pngStems(_ folder: URL) -> [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
    return names.filter { $0.hasSuffix(".png") }.map { String($0.dropLast(4)) }.sorted()
}

/// Decodes a JSON file written by `prepare`.
func readJSON<Value: Decodable>(_ type: Value.Type, _ url: URL) throws -> Value {
    try JSONDecoder().decode(type, from: Data(contentsOf: url))
}
